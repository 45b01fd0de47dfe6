using ShardedBackprop.Numerics;

namespace ShardedBackprop.Tests.Numerics;

/// <summary>
/// The canonical reduction: a batch's gradient and loss are the same bits however its rows are
/// split into parts and in whatever order the parts are combined.
/// </summary>
public sealed class ReductionInvarianceTests
{
    [Theory]
    [InlineData(1, Activation.Linear)]
    [InlineData(2, Activation.Relu)]
    [InlineData(3, Activation.Tanh)]
    [InlineData(4, Activation.Sigmoid)]
    [InlineData(5, Activation.Linear)]
    public void Should_give_identical_bits_for_random_splits_and_arrival_orders(int seed, Activation activation)
    {
        var random = new Random(seed);
        var shape = NetworkShape.Create(random.Next(1, 6), [random.Next(1, 8), random.Next(1, 8)], 1);
        var network = new Mlp(shape, activation);
        var theta = Initialization.Uniform(shape, (ulong)seed);
        var rows = random.Next(16, 64);
        var features = Enumerable.Range(0, rows * shape.Inputs).Select(_ => (random.NextDouble() * 200) - 100).ToArray();
        var targets = Enumerable.Range(0, rows).Select(_ => random.NextDouble() * 1e4).ToArray();
        var workspace = network.CreateWorkspace();

        var whole = new GradientSum(shape.ParameterCount);
        network.AccumulateRows(theta, features, targets, whole, workspace);
        var expectedGradient = whole.RoundGradient();
        var expectedLoss = whole.RoundLoss();

        for (var trial = 0; trial < 50; trial++)
        {
            // Any split: each row goes to one of 1..16 parts, contiguous or scattered.
            var parts = random.Next(1, 17);
            var owner = trial % 2 == 0
                ? ContiguousOwners(random, rows, parts)
                : [.. Enumerable.Range(0, rows).Select(_ => random.Next(parts))];
            var sums = new List<GradientSum>();
            for (var p = 0; p < parts; p++)
            {
                var mine = Enumerable.Range(0, rows).Where(r => owner[r] == p).ToArray();
                random.Shuffle(mine); // row order inside a part does not matter either
                var partSum = new GradientSum(shape.ParameterCount);
                network.AccumulateRows(
                    theta,
                    [.. mine.SelectMany(r => features.Skip(r * shape.Inputs).Take(shape.Inputs))],
                    [.. mine.Select(r => targets[r])],
                    partSum,
                    workspace);
                sums.Add(partSum);
            }

            // Any arrival order.
            random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(sums));
            var combined = new GradientSum(shape.ParameterCount);
            foreach (var part in sums)
            {
                combined.Add(part);
            }

            Assert.Equal(rows, combined.Rows);
            Assert.Equal(BitsOf(expectedGradient), BitsOf(combined.RoundGradient()));
            Assert.Equal(BitConverter.DoubleToInt64Bits(expectedLoss), BitConverter.DoubleToInt64Bits(combined.RoundLoss()));
        }
    }

    private static int[] ContiguousOwners(Random random, int rows, int parts)
    {
        var cuts = Enumerable.Range(1, rows - 1).OrderBy(_ => random.Next()).Take(parts - 1).Order().ToList();
        var owner = new int[rows];
        var part = 0;
        for (var r = 0; r < rows; r++)
        {
            while (part < cuts.Count && r >= cuts[part])
            {
                part++;
            }

            owner[r] = part;
        }

        return owner;
    }

    private static long[] BitsOf(double[] values) => [.. values.Select(BitConverter.DoubleToInt64Bits)];
}
