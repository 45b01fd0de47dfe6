using ShardedBackprop.Serialization;
using ShardedBackprop.Training;

namespace ShardedBackprop.Tests.Training;

public sealed class CheckpointSerializerTests
{
    [Fact]
    public void Should_read_back_every_field_bit_for_bit()
    {
        var setup = TrainingSetup.Create(new TrainingOptions { Epochs = 3, Shuffle = true });
        var progress = new TrainingProgress(setup);
        var sum = new ShardedBackprop.Numerics.GradientSum(setup.Network.ParameterCount);
        for (var step = 0; step < 6; step++)
        {
            var (features, targets) = setup.GatherRows(progress.BatchRows);
            sum.Clear();
            setup.Network.AccumulateRows(progress.Parameters, features, targets, sum, setup.Network.CreateWorkspace());
            progress.CompleteStep(sum);
        }

        var reports = progress.History.Select((h, i) => new EpochReport(h, i + 1, 0.25 * (i + 1))).ToList();
        var checkpoint = progress.ToCheckpoint(RunIdentity.Of(setup), reports);
        var serializer = new CheckpointSerializer(null!);

        var back = (TrainingCheckpoint)serializer.FromBinary(serializer.ToBinary(checkpoint), typeof(TrainingCheckpoint));

        Assert.Equal(checkpoint.Identity, back.Identity);
        Assert.Equal((checkpoint.Epoch, checkpoint.Batch, checkpoint.CompletedSteps), (back.Epoch, back.Batch, back.CompletedSteps));
        Assert.Equal(checkpoint.Parameters.Select(BitConverter.DoubleToInt64Bits), back.Parameters.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(checkpoint.EpochLoss, back.EpochLoss);
        Assert.Equal(checkpoint.Reports, back.Reports);
        Assert.Equal((2, 2, 6L), (back.Epoch, back.Batch, back.CompletedSteps)); // 4 batches an epoch
    }

    [Fact]
    public void Should_refuse_bytes_that_are_not_a_checkpoint()
    {
        var serializer = new CheckpointSerializer(null!);

        Assert.Throws<InvalidDataException>(() => serializer.FromBinary([1, 2, 3, 4, 5, 6, 7, 8], typeof(TrainingCheckpoint)));
    }

    [Fact]
    public void Should_name_what_differs_between_two_runs()
    {
        var a = RunIdentity.Of(TrainingSetup.Create(new TrainingOptions()));
        var b = RunIdentity.Of(TrainingSetup.Create(new TrainingOptions { LearningRate = 0.1, Shuffle = true }));

        Assert.Empty(RunIdentity.Differences(a, a));
        Assert.Equal(["learning-rate (0.01 then 0.1)", "shuffle (false then true)"], RunIdentity.Differences(a, b));
    }
}
