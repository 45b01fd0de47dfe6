using ShardedBackprop.Numerics;

namespace ShardedBackprop.Tests.Numerics;

/// <summary>Back-propagation checked against central finite differences of the loss, which uses only the forward pass.</summary>
public sealed class GradientCheckTests
{
    public static TheoryData<Activation, int> Cases()
    {
        var data = new TheoryData<Activation, int>();
        foreach (var activation in Enum.GetValues<Activation>())
        {
            for (var seed = 1; seed <= 5; seed++)
            {
                data.Add(activation, seed);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Should_match_finite_differences_for_random_shapes(Activation activation, int seed)
    {
        var random = new Random(seed);
        int[] hidden = [.. Enumerable.Range(0, random.Next(1, 4)).Select(_ => random.Next(1, 6))];
        var shape = NetworkShape.Create(random.Next(1, 5), hidden, random.Next(1, 3));
        var network = new Mlp(shape, activation);
        var theta = Initialization.Uniform(shape, (ulong)seed);
        var rows = random.Next(1, 6);
        var features = RandomValues(random, rows * shape.Inputs);
        var targets = RandomValues(random, rows * shape.Outputs);

        var sum = new GradientSum(shape.ParameterCount);
        network.AccumulateRows(theta, features, targets, sum, network.CreateWorkspace());
        var analytic = sum.RoundGradient();

        const double h = 1e-6;
        for (var k = 0; k < theta.Length; k++)
        {
            var plus = (double[])theta.Clone();
            var minus = (double[])theta.Clone();
            plus[k] += h;
            minus[k] -= h;
            var numeric = (Loss(network, plus, features, targets) - Loss(network, minus, features, targets)) / (2 * h);
            var tolerance = 1e-6 * Math.Max(1.0, Math.Abs(numeric));
            Assert.True(
                Math.Abs(numeric - analytic[k]) <= tolerance,
                $"{shape} {activation.Name()} parameter {shape.ParameterNames()[k]}: back-prop {analytic[k]}, finite difference {numeric}");
        }
    }

    [Fact]
    public void Should_report_the_loss_as_the_sum_of_squared_errors()
    {
        var shape = NetworkShape.Create(3, [4, 2], 2);
        var network = new Mlp(shape, Activation.Tanh);
        var theta = Initialization.Uniform(shape, 5);
        var random = new Random(5);
        var features = RandomValues(random, 4 * 3);
        var targets = RandomValues(random, 4 * 2);
        var sum = new GradientSum(shape.ParameterCount);

        network.AccumulateRows(theta, features, targets, sum, network.CreateWorkspace());

        Assert.Equal(Loss(network, theta, features, targets), sum.RoundLoss(), 1e-12);
        Assert.Equal(4, sum.Rows);
    }

    /// <summary>SSE from the forward pass alone, summed plainly.</summary>
    private static double Loss(Mlp network, double[] theta, double[] features, double[] targets)
    {
        var predictions = new double[targets.Length];
        network.Predict(theta, features, predictions);
        var loss = 0.0;
        for (var k = 0; k < targets.Length; k++)
        {
            loss += (predictions[k] - targets[k]) * (predictions[k] - targets[k]);
        }

        return loss;
    }

    private static double[] RandomValues(Random random, int count) =>
        [.. Enumerable.Range(0, count).Select(_ => (random.NextDouble() * 4) - 2)];
}
