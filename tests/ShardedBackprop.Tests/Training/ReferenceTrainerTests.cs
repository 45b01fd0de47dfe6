using ShardedBackprop.Numerics;
using ShardedBackprop.Training;

namespace ShardedBackprop.Tests.Training;

public sealed class ReferenceTrainerTests
{
    [Fact]
    public void Should_lower_the_loss_on_the_standardised_seed_data()
    {
        var setup = TrainingSetup.Create(new TrainingOptions { Epochs = 100, LearningRate = 0.01 });
        var epochs = new List<EpochSummary>();

        var result = ReferenceTrainer.Train(setup, epochs.Add);

        Assert.Equal(100, result.History.Count);
        Assert.Equal(epochs, result.History);
        Assert.Equal(400, result.Steps); // 8 rows, 4 batches of 2, 100 epochs
        Assert.True(result.History[^1].Sse < result.History[0].Sse / 2, $"first {result.History[0].Sse}, last {result.History[^1].Sse}");
        Assert.All(result.History.Zip(result.History.Skip(1)), pair => Assert.True(pair.Second.Sse <= pair.First.Sse * 1.0001));
    }

    [Fact]
    public void Should_report_rmse_in_original_units()
    {
        var setup = TrainingSetup.Create(new TrainingOptions { Epochs = 3 });

        var result = ReferenceTrainer.Train(setup);

        var last = result.History[^1];
        Assert.Equal(last.Sse / 8, last.Mse, 1e-15);
        Assert.Equal(Math.Sqrt(last.Mse) * setup.Scaler!.TargetStd[0], last.Rmse, 1e-9);
        Assert.True(setup.Scaler.TargetStd[0] > 1000); // Salary spreads over thousands
    }

    [Fact]
    public void Should_give_the_same_bits_on_every_run_and_differ_with_the_seed()
    {
        var options = new TrainingOptions { Epochs = 20, Shuffle = true, Hidden = [3, 2], Activation = Activation.Tanh };

        var first = ReferenceTrainer.Train(TrainingSetup.Create(options));
        var second = ReferenceTrainer.Train(TrainingSetup.Create(options));
        var otherSeed = ReferenceTrainer.Train(TrainingSetup.Create(options with { Seed = 43 }));

        Assert.Equal(first.Parameters, second.Parameters);
        Assert.NotEqual(first.Parameters, otherSeed.Parameters);
    }

    [Fact]
    public void Should_stop_with_a_clear_message_when_training_diverges()
    {
        var setup = TrainingSetup.Create(new TrainingOptions { Standardize = false, LearningRate = 1.0, Epochs = 50 });

        var error = Assert.Throws<TrainingDivergedException>(() => ReferenceTrainer.Train(setup));

        Assert.Matches(@"^training diverged at epoch \d+, step \d+: the (loss|gradient) is not a finite number; try a lower --learning-rate", error.Message);
    }
}
