using ShardedBackprop.Numerics;

namespace ShardedBackprop.Training;

/// <summary>What to train and how: everything that decides the result of a run.</summary>
public sealed record TrainingOptions
{
    /// <summary>CSV file; null for the bundled seed data (data/salary.csv).</summary>
    public string? DataPath { get; init; }

    /// <summary>Target column; null for the last column.</summary>
    public string? Target { get; init; }

    /// <summary>Feature columns; empty for every column but the target.</summary>
    public IReadOnlyList<string> Features { get; init; } = [];

    /// <summary>Hidden layer sizes; the seed's network has one hidden layer of 2.</summary>
    public IReadOnlyList<int> Hidden { get; init; } = [2];

    public Activation Activation { get; init; } = Activation.Linear;

    /// <summary>Rows per batch; when neither this nor <see cref="Batches"/> is set, 4 batches an epoch as in the seed.</summary>
    public int? BatchSize { get; init; }

    /// <summary>Batches per epoch (batch size = ceil(rows / batches)).</summary>
    public int? Batches { get; init; }

    public int Epochs { get; init; } = 100;

    public double LearningRate { get; init; } = 0.01;

    public ulong Seed { get; init; } = 42;

    public bool Shuffle { get; init; }

    public bool Standardize { get; init; } = true;

    /// <summary>A model file whose parameters start the training instead of a seeded draw.</summary>
    public string? InitWeightsPath { get; init; }

    public const int DefaultBatches = 4;
}
