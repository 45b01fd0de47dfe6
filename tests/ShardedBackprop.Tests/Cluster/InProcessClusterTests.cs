using ShardedBackprop.Numerics;
using ShardedBackprop.Training;

namespace ShardedBackprop.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class InProcessClusterTests
{
    [Fact]
    public async Task Should_train_the_seed_data_on_three_workers_to_the_reference_bits()
    {
        var setup = TrainingSetup.Create(new TrainingOptions());
        var reference = ReferenceTrainer.Train(setup);

        await using var cluster = await InProcessCluster.StartAsync(setup, minWorkers: 3, workers: 3);
        var result = await cluster.Completion;

        Assert.Equal(Bits(reference.Parameters), Bits(result.Parameters));
        Assert.Equal(reference.Steps, result.Steps);
        Assert.Equal(reference.History, result.History);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public async Task Should_match_the_reference_for_any_number_of_workers_with_shuffled_uneven_batches(int workers)
    {
        // Three hidden tanh layers, batches of 3 over 8 rows (3, 3, 2), a new order each epoch.
        var setup = TrainingSetup.Create(new TrainingOptions { Hidden = [3, 2], Activation = Activation.Tanh, BatchSize = 3, Shuffle = true, Epochs = 30, Seed = 7 });
        var reference = ReferenceTrainer.Train(setup);

        await using var cluster = await InProcessCluster.StartAsync(setup, minWorkers: workers, workers: workers);
        var result = await cluster.Completion;

        Assert.Equal(Bits(reference.Parameters), Bits(result.Parameters));
    }

    private static long[] Bits(double[] values) => [.. values.Select(BitConverter.DoubleToInt64Bits)];
}
