using ShardedBackprop.Numerics;
using ShardedBackprop.Training;

namespace ShardedBackprop.Tests.Numerics;

/// <summary>The 2-2-1 linear network of SEED.md, checked against its hand-derived per-parameter formulas.</summary>
public sealed class SeedExampleTests
{
    // SEED.md's rows (IQ, level, Salary).
    private static readonly double[][] Rows =
    [
        [3, 3, 50], [8, 55, 1000], [3, 8, 60], [4, 8, 65],
        [3, 2, 30], [9, 88, 5000], [3, 2, 35], [8, 6, 40],
    ];

    private static readonly NetworkShape Shape = NetworkShape.Create(2, [2], 1);

    /// <summary>The seed's parameters by name, from a flat buffer in the documented order.</summary>
    private sealed record Named(double W1_11, double W1_21, double B11, double W1_12, double W1_22, double B12, double W2_11, double W2_21, double B21)
    {
        public static Named From(ReadOnlySpan<double> t) => new(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8]);

        /// <summary>dL/dtheta for one row, straight from SEED.md's table: 2 (yhat - y) * d yhat / d theta.</summary>
        public double[] Gradient(double x1, double x2, double y)
        {
            var o11 = (W1_11 * x1) + (W1_21 * x2) + B11;
            var o12 = (W1_12 * x1) + (W1_22 * x2) + B12;
            var yhat = (W2_11 * o11) + (W2_21 * o12) + B21;
            var d = 2 * (yhat - y);
            return
            [
                d * W2_11 * x1, d * W2_11 * x2, d * W2_11,
                d * W2_21 * x1, d * W2_21 * x2, d * W2_21,
                d * o11, d * o12, d,
            ];
        }
    }

    [Fact]
    public void Should_name_parameters_in_seed_order()
    {
        Assert.Equal(
            ["w1_11", "w1_21", "b11", "w1_12", "w1_22", "b12", "w2_11", "w2_21", "b21"],
            Shape.ParameterNames());
        Assert.Equal(9, Shape.ParameterCount);
    }

    [Fact]
    public void Should_match_seed_formulas_for_every_row_at_batch_size_1()
    {
        var network = new Mlp(Shape, Activation.Linear);
        var theta = Initialization.Uniform(Shape, seed: 7);
        var workspace = network.CreateWorkspace();

        foreach (var row in Rows)
        {
            var sum = new GradientSum(Shape.ParameterCount);
            network.AccumulateRows(theta, row.AsSpan(0, 2), row.AsSpan(2, 1), sum, workspace);

            var expected = Named.From(theta).Gradient(row[0], row[1], row[2]);
            var actual = sum.RoundGradient();
            for (var k = 0; k < expected.Length; k++)
            {
                Assert.Equal(expected[k], actual[k], Tolerance(expected[k]));
            }

            var o11 = (theta[0] * row[0]) + (theta[1] * row[1]) + theta[2];
            var o12 = (theta[3] * row[0]) + (theta[4] * row[1]) + theta[5];
            var yhat = (theta[6] * o11) + (theta[7] * o12) + theta[8];
            Assert.Equal((yhat - row[2]) * (yhat - row[2]), sum.RoundLoss(), Tolerance((yhat - row[2]) * (yhat - row[2])));
        }
    }

    [Fact]
    public void Should_train_one_epoch_of_plain_sgd_as_the_notes_describe()
    {
        // Batch size 1 on the raw data: eight updates, each theta - eta * (seed formula gradient).
        const double eta = 1e-6;
        var setup = TrainingSetup.Create(new TrainingOptions { BatchSize = 1, Epochs = 1, LearningRate = eta, Standardize = false, Seed = 3 });
        var expected = (double[])setup.InitialParameters.Clone();
        foreach (var row in Rows)
        {
            var g = Named.From(expected).Gradient(row[0], row[1], row[2]);
            for (var k = 0; k < expected.Length; k++)
            {
                expected[k] -= eta * g[k];
            }
        }

        var result = ReferenceTrainer.Train(setup);

        Assert.Equal(8, result.Steps);
        for (var k = 0; k < expected.Length; k++)
        {
            Assert.Equal(expected[k], result.Parameters[k], Tolerance(expected[k]));
        }
    }

    [Fact]
    public void Should_sum_per_row_terms_not_factor_them_as_the_notes_slip()
    {
        // Batch 1 = rows 1-2. The correct dL/dw2_11 is sum_i 2 (yhat_i - y_i) O11_i; the notes'
        // factored form 2 {(yhat_1 - y_1) + (yhat_2 - y_2)} O11 differs because O11 differs per row.
        var network = new Mlp(Shape, Activation.Linear);
        var theta = Initialization.Uniform(Shape, seed: 11);
        var named = Named.From(theta);
        var sum = new GradientSum(Shape.ParameterCount);
        double[] features = [.. Rows[0][..2], .. Rows[1][..2]];
        double[] targets = [Rows[0][2], Rows[1][2]];

        network.AccumulateRows(theta, features, targets, sum, network.CreateWorkspace());

        var perRow = named.Gradient(3, 3, 50)[6] + named.Gradient(8, 55, 1000)[6];
        Assert.Equal(perRow, sum.RoundGradient()[6], Tolerance(perRow));
        var o11Row1 = (named.W1_11 * 3) + (named.W1_21 * 3) + named.B11;
        var yhat = (double x1, double x2) => (named.W2_11 * ((named.W1_11 * x1) + (named.W1_21 * x2) + named.B11))
            + (named.W2_21 * ((named.W1_12 * x1) + (named.W1_22 * x2) + named.B12)) + named.B21;
        var factored = 2 * ((yhat(3, 3) - 50) + (yhat(8, 55) - 1000)) * o11Row1;
        Assert.NotEqual(factored, sum.RoundGradient()[6], Tolerance(factored));
    }

    private static double Tolerance(double expected) => 1e-12 * Math.Max(1.0, Math.Abs(expected));
}
