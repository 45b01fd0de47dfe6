using ShardedBackprop.Data;
using ShardedBackprop.Training;

namespace ShardedBackprop.Tests.Data;

public sealed class StandardizationTests
{
    private static readonly string SalaryPath = TrainingSetup.DefaultDataPath;

    private static DataTable Table(string[] features, double[] featureValues, double[] targets) =>
        new("test", features, ["y"], featureValues, targets);

    /// <summary>Mean and population deviation of one column, computed in decimal from the raw values.</summary>
    private static (double Mean, double Std) Reference(double[] values, int columns, int column)
    {
        var cells = values.Where((_, k) => k % columns == column).Select(v => (decimal)v).ToArray();
        var mean = cells.Sum() / cells.Length;
        var variance = cells.Sum(v => (v - mean) * (v - mean)) / cells.Length;
        return ((double)mean, System.Math.Sqrt((double)variance));
    }

    private static void AssertRelative(double expected, double actual, double tolerance)
    {
        var scale = System.Math.Max(System.Math.Abs(expected), double.Epsilon);
        Assert.True(System.Math.Abs(expected - actual) <= tolerance * scale, $"expected {expected:R}, got {actual:R}");
    }

    [Fact]
    public void Should_match_an_independent_mean_and_population_std_on_the_salary_data()
    {
        // Arrange
        var table = CsvDataLoader.Load(SalaryPath);

        // Act
        var s = Standardization.Fit(table);

        // Assert
        Assert.Equal(2, s.FeatureMean.Length);
        Assert.Equal(2, s.FeatureStd.Length);
        for (var c = 0; c < 2; c++)
        {
            var (mean, std) = Reference(table.Features, 2, c);
            AssertRelative(mean, s.FeatureMean[c], 1e-15);
            AssertRelative(std, s.FeatureStd[c], 1e-14);
        }

        var (targetMean, targetStd) = Reference(table.Targets, 1, 0);
        AssertRelative(targetMean, Assert.Single(s.TargetMean), 1e-15);
        AssertRelative(targetStd, Assert.Single(s.TargetStd), 1e-14);
    }

    [Fact]
    public void Should_divide_by_n_not_n_minus_1()
    {
        // Arrange: 1,2,3,4 has mean 2.5, squared deviations summing to 5.
        var table = Table(["x"], [1, 2, 3, 4], [10, 10, 20, 20]);

        // Act
        var s = Standardization.Fit(table);

        // Assert
        Assert.Equal(2.5, s.FeatureMean[0]);
        Assert.Equal(System.Math.Sqrt(5.0 / 4), s.FeatureStd[0]);
        Assert.NotEqual(System.Math.Sqrt(5.0 / 3), s.FeatureStd[0]);
        Assert.Equal(15.0, s.TargetMean[0]);
        Assert.Equal(5.0, s.TargetStd[0]);
    }

    [Fact]
    public void Should_centre_a_constant_column_and_store_its_std_as_1()
    {
        // Arrange: column 0 constant, column 1 not.
        var table = Table(["c", "x"], [7, 1, 7, 3, 7, 5], [4, 4, 4]);

        // Act
        var s = Standardization.Fit(table);
        var scaled = s.Apply(table);

        // Assert
        Assert.Equal([7.0, 3.0], s.FeatureMean);
        Assert.Equal(1.0, s.FeatureStd[0]);
        Assert.Equal(System.Math.Sqrt(8.0 / 3), s.FeatureStd[1]);
        Assert.Equal([4.0], s.TargetMean);
        Assert.Equal([1.0], s.TargetStd);
        Assert.All(scaled.Features.Where((_, k) => k % 2 == 0), v => Assert.Equal(0.0, v));
        Assert.All(scaled.Targets, v => Assert.Equal(0.0, v));
        Assert.All(scaled.Features.Concat(scaled.Targets), v => Assert.True(double.IsFinite(v)));
    }

    [Fact]
    public void Should_give_scaled_columns_mean_0_and_population_std_1()
    {
        // Arrange
        var table = CsvDataLoader.Load(SalaryPath);
        var s = Standardization.Fit(table);

        // Act
        var scaled = s.Apply(table);

        // Assert
        Assert.Equal(table.FeatureNames, scaled.FeatureNames);
        Assert.Equal(table.TargetNames, scaled.TargetNames);
        for (var c = 0; c < 2; c++)
        {
            var (mean, std) = Reference(scaled.Features, 2, c);
            Assert.True(System.Math.Abs(mean) < 1e-14, $"feature {c} mean {mean:R}");
            AssertRelative(1.0, std, 1e-14);
        }

        var (targetMean, targetStd) = Reference(scaled.Targets, 1, 0);
        Assert.True(System.Math.Abs(targetMean) < 1e-14, $"target mean {targetMean:R}");
        AssertRelative(1.0, targetStd, 1e-14);
    }

    [Fact]
    public void Should_scale_each_value_as_value_minus_mean_over_std()
    {
        // Arrange
        var table = CsvDataLoader.Load(SalaryPath);
        var s = Standardization.Fit(table);

        // Act
        var scaled = s.Apply(table);
        var features = s.ScaleFeatures(table.Features);

        // Assert
        for (var k = 0; k < table.Features.Length; k++)
        {
            Assert.Equal((table.Features[k] - s.FeatureMean[k % 2]) / s.FeatureStd[k % 2], scaled.Features[k]);
        }

        for (var k = 0; k < table.Targets.Length; k++)
        {
            Assert.Equal((table.Targets[k] - s.TargetMean[0]) / s.TargetStd[0], scaled.Targets[k]);
        }

        Assert.Equal(scaled.Features, features);
    }

    [Fact]
    public void Should_return_targets_to_original_units_after_apply_and_unscale()
    {
        // Arrange
        var table = CsvDataLoader.Load(SalaryPath);
        var s = Standardization.Fit(table);
        var targets = s.Apply(table).Targets;

        // Act
        s.UnscaleTargets(targets);

        // Assert
        Assert.Equal(table.Targets.Length, targets.Length);
        for (var k = 0; k < targets.Length; k++)
        {
            AssertRelative(table.Targets[k], targets[k], 1e-12);
        }
    }

    [Fact]
    public void Should_not_depend_on_row_order()
    {
        // Arrange: naive left-to-right summation of these loses the small values in one order and not the other.
        double[] values = [1e16, 1, -1e16, 1, 3, 1e-3, 2.5e15, -7];
        var forward = Table(["x"], values, values);
        var backward = Table(["x"], [.. values.Reverse()], [.. values.Reverse()]);

        // Act
        var a = Standardization.Fit(forward);
        var b = Standardization.Fit(backward);

        // Assert
        Assert.Equal(BitConverter.DoubleToInt64Bits(a.FeatureMean[0]), BitConverter.DoubleToInt64Bits(b.FeatureMean[0]));
        Assert.Equal(BitConverter.DoubleToInt64Bits(a.FeatureStd[0]), BitConverter.DoubleToInt64Bits(b.FeatureStd[0]));
        Assert.Equal((double)(values.Sum(v => (decimal)v) / values.Length), a.FeatureMean[0]);
    }

    [Fact]
    public void Should_refuse_to_apply_to_data_with_other_columns()
    {
        // Arrange
        var s = Standardization.Fit(Table(["a", "b"], [1, 2, 3, 5], [1, 2]));
        var other = Table(["a"], [1, 2], [1, 2]);

        // Act
        var e = Assert.Throws<ArgumentException>(() => s.Apply(other));

        // Assert
        Assert.Equal("the scaler is for 2 features and 1 targets, the data has 1 and 1", e.Message);
    }
}
