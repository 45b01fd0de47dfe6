using ShardedBackprop.Numerics;

namespace ShardedBackprop.Data;

/// <summary>
/// Z-score scaling of features and targets: x' = (x - mean) / std, with the population standard
/// deviation. A column whose deviation is 0 is centred but not scaled (its std is stored as 1), so
/// nothing is divided by zero. Stored in the model file so predictions return in original units.
/// </summary>
public sealed record Standardization(double[] FeatureMean, double[] FeatureStd, double[] TargetMean, double[] TargetStd)
{
    /// <summary>Fits means and deviations to <paramref name="table"/>; both are exact sums rounded once, so they do not depend on row order.</summary>
    public static Standardization Fit(DataTable table)
    {
        var (featureMean, featureStd) = FitColumns(table.Features, table.FeatureCount);
        var (targetMean, targetStd) = FitColumns(table.Targets, table.TargetCount);
        return new Standardization(featureMean, featureStd, targetMean, targetStd);
    }

    private static (double[] Mean, double[] Std) FitColumns(double[] values, int columns)
    {
        var rows = values.Length / columns;
        var mean = new double[columns];
        var std = new double[columns];
        Span<long> acc = stackalloc long[ExactSum.Words];
        for (var c = 0; c < columns; c++)
        {
            acc.Clear();
            for (var r = 0; r < rows; r++)
            {
                ExactSum.Add(acc, values[(r * columns) + c]);
            }

            mean[c] = ExactSum.Round(acc) / rows;
            acc.Clear();
            for (var r = 0; r < rows; r++)
            {
                var d = values[(r * columns) + c] - mean[c];
                ExactSum.Add(acc, d * d);
            }

            var deviation = Math.Sqrt(ExactSum.Round(acc) / rows);
            std[c] = deviation > 0 ? deviation : 1.0;
        }

        return (mean, std);
    }

    /// <summary>The table with features and targets scaled.</summary>
    public DataTable Apply(DataTable table)
    {
        RequireColumns(table.FeatureCount, table.TargetCount);
        return table with
        {
            Features = Scale(table.Features, FeatureMean, FeatureStd),
            Targets = Scale(table.Targets, TargetMean, TargetStd),
        };
    }

    public double[] ScaleFeatures(double[] features) => Scale(features, FeatureMean, FeatureStd);

    /// <summary>Maps scaled target values (e.g. predictions) back to original units, in place.</summary>
    public void UnscaleTargets(Span<double> targets)
    {
        var columns = TargetMean.Length;
        for (var k = 0; k < targets.Length; k++)
        {
            var c = k % columns;
            targets[k] = (targets[k] * TargetStd[c]) + TargetMean[c];
        }
    }

    private void RequireColumns(int features, int targets)
    {
        if (features != FeatureMean.Length || targets != TargetMean.Length)
        {
            throw new ArgumentException($"the scaler is for {FeatureMean.Length} features and {TargetMean.Length} targets, the data has {features} and {targets}");
        }
    }

    private static double[] Scale(double[] values, double[] mean, double[] std)
    {
        var columns = mean.Length;
        var scaled = new double[values.Length];
        for (var k = 0; k < values.Length; k++)
        {
            var c = k % columns;
            scaled[k] = (values[k] - mean[c]) / std[c];
        }

        return scaled;
    }
}
