namespace ShardedBackprop.Training;

/// <summary>One epoch as reported: its loss, the workers it ran on and how long it took.</summary>
public sealed record EpochReport(EpochSummary Summary, int Workers, double Seconds);

/// <summary>
/// Everything needed to resume a run after the coordinator stops or crashes, bit for bit: the
/// parameters and the exact epoch-loss sum at a step boundary, the position (epoch, batch), and
/// what was reported so far. The shuffle needs no state of its own: an epoch's order is a
/// function of (seed, epoch). <see cref="Identity"/> says which run this belongs to.
/// </summary>
public sealed record TrainingCheckpoint(
    IReadOnlyDictionary<string, string> Identity,
    int Epoch,
    int Batch,
    long CompletedSteps,
    double[] Parameters,
    long[] EpochLoss,
    EpochReport[] Reports);
