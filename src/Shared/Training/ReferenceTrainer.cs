using ShardedBackprop.Numerics;

namespace ShardedBackprop.Training;

/// <summary>The outcome of a training run.</summary>
public sealed record TrainingResult(double[] Parameters, IReadOnlyList<EpochSummary> History, long Steps)
{
    public double FinalSse => History.Count == 0 ? double.NaN : History[^1].Sse;
}

/// <summary>
/// The single-process mini-batch trainer of SEED.md, with no actors: the oracle that the
/// distributed trainer must match bit for bit.
/// </summary>
public static class ReferenceTrainer
{
    public static TrainingResult Train(TrainingSetup setup, Action<EpochSummary>? onEpoch = null)
    {
        var network = setup.Network;
        var progress = new TrainingProgress(setup);
        var batchSum = new GradientSum(network.ParameterCount);
        var workspace = network.CreateWorkspace();
        while (!progress.IsFinished)
        {
            var (features, targets) = setup.GatherRows(progress.BatchRows);
            batchSum.Clear();                                                                    // zero-grad
            network.AccumulateRows(progress.Parameters, features, targets, batchSum, workspace); // forward + backward
            if (progress.CompleteStep(batchSum) is { } epoch)                                    // update
            {
                onEpoch?.Invoke(epoch);
            }
        }

        return progress.ToResult();
    }

    /// <summary>Throws <see cref="TrainingDivergedException"/> when the loss or any gradient is NaN or infinite.</summary>
    public static void CheckFinite(int epoch, int step, double loss, ReadOnlySpan<double> gradient)
    {
        if (!double.IsFinite(loss))
        {
            throw new TrainingDivergedException(epoch, step, "loss");
        }

        foreach (var g in gradient)
        {
            if (!double.IsFinite(g))
            {
                throw new TrainingDivergedException(epoch, step, "gradient");
            }
        }
    }
}
