namespace ShardedBackprop.Coordinator;

/// <summary>How a coordinator runs, beyond what it trains.</summary>
public sealed record RunSettings
{
    public int MinWorkers { get; init; } = 1;

    public long MaxFrameSize { get; init; } = Hosting.ClusterNodeOptions.DefaultMaxFrameSize;

    public string? MetricsOut { get; init; }

    /// <summary>Where checkpoints go; null for none.</summary>
    public string? StateDirectory { get; init; }

    public int CheckpointEvery { get; init; } = 100;

    /// <summary>How long a step may wait for its shards before they are sent again.</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Where to draw the loss curve; null for nowhere.</summary>
    public string? PlotOut { get; init; }

    /// <summary>Interval of progress lines within an epoch that runs longer than it.</summary>
    public TimeSpan ProgressEvery { get; init; } = TimeSpan.FromSeconds(5);
}
