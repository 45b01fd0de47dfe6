namespace ShardedBackprop.Training;

/// <summary>Training stopped because the loss or a gradient stopped being a finite number.</summary>
public sealed class TrainingDivergedException(int epoch, int step, string what)
    : Exception($"training diverged at epoch {epoch}, step {step}: the {what} is not a finite number; try a lower --learning-rate, or --standardize true")
{
    public int Epoch { get; } = epoch;

    public int Step { get; } = step;
}

/// <summary>Training stopped on request (Ctrl+C or SIGTERM) after a checkpoint; running the same command again resumes it.</summary>
public sealed class TrainingStoppedException(long completedSteps)
    : Exception($"training stopped after step {completedSteps}; run the same command again to resume")
{
    public long CompletedSteps { get; } = completedSteps;
}
