using System.Globalization;
using ShardedBackprop.Hosting;
using ShardedBackprop.Numerics;
using ShardedBackprop.Training;

namespace ShardedBackprop.Coordinator;

/// <summary>Settings of a coordinator process, bound from appsettings.json, environment and command line (section "Coordinator").</summary>
public sealed class CoordinatorOptions
{
    public const string Section = "Coordinator";
    public const int DefaultPort = 4053;

    public string? Data { get; set; }

    public string? Target { get; set; }

    public string? Features { get; set; }

    public string Hidden { get; set; } = "2";

    public string Activation { get; set; } = "linear";

    public int? BatchSize { get; set; }

    public int? Batches { get; set; }

    public int Epochs { get; set; } = 100;

    public double LearningRate { get; set; } = 0.01;

    public ulong Seed { get; set; } = 42;

    public bool Shuffle { get; set; }

    public bool Standardize { get; set; } = true;

    public string? InitWeights { get; set; }

    public string ModelOut { get; set; } = "model.json";

    public string? MetricsOut { get; set; }

    public int LocalWorkers { get; set; } = 2;

    public int? MinWorkers { get; set; }

    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = DefaultPort;

    public string? PublicHost { get; set; }

    public long MaxFrameSize { get; set; } = ClusterNodeOptions.DefaultMaxFrameSize;

    public string StateDir { get; set; } = "state";

    public int CheckpointEvery { get; set; } = 100;

    public double StepTimeout { get; set; } = 10;

    public bool Restart { get; set; }

    public int? MetricsPort { get; set; }

    public string? PlotOut { get; set; }

    public double ProgressEvery { get; set; } = 5;

    public static readonly IReadOnlyList<OptionSpec> Specs =
    [
        new("--data", nameof(Data), "Training data, CSV with a header row", "the bundled data/salary.csv", Value: "PATH"),
        new("--target", nameof(Target), "Target column", "the last column", Value: "NAME"),
        new("--features", nameof(Features), "Feature columns, comma-separated", "every other column", Value: "A,B"),
        new("--hidden", nameof(Hidden), "Hidden layer sizes, comma-separated", "2", Value: "N[,N]"),
        new("--activation", nameof(Activation), "Hidden activation: linear, relu, tanh or sigmoid", "linear", Value: "NAME"),
        new("--batch-size", nameof(BatchSize), "Rows per mini-batch (the last may be smaller)", "from --batches", Value: "N"),
        new("--batches", nameof(Batches), "Mini-batches per epoch: batch size = ceil(rows / K)", "4", Value: "K"),
        new("--epochs", nameof(Epochs), "Passes over the data", "100", Value: "N"),
        new("--learning-rate", nameof(LearningRate), "SGD step size eta", "0.01", Value: "X"),
        new("--seed", nameof(Seed), "Seed of the initial weights and of --shuffle", "42", Value: "N"),
        new("--shuffle", nameof(Shuffle), "Shuffle the rows each epoch (seeded)", "false", IsSwitch: true),
        new("--standardize", nameof(Standardize), "Z-score features and target (true or false)", "true", Value: "BOOL"),
        new("--init-weights", nameof(InitWeights), "Start from the parameters of this model file", Value: "PATH"),
        new("--model-out", nameof(ModelOut), "Where to write the trained model", "model.json", Value: "PATH"),
        new("--metrics-out", nameof(MetricsOut), "CSV of per-epoch loss: epoch,sse,mse,rmse,steps,workers,seconds", Value: "PATH"),
        new("--local-workers", nameof(LocalWorkers), "Worker nodes started inside this process", "2", Value: "N"),
        new("--min-workers", nameof(MinWorkers), "Workers to wait for before the first step", "--local-workers, or 1 when that is 0", Value: "N"),
        new("--host", nameof(Host), "Address to listen on", "127.0.0.1", Value: "HOST"),
        new("--port", nameof(Port), "Port to listen on; workers join here", DefaultPort.ToString(CultureInfo.InvariantCulture), Value: "PORT"),
        new("--public-host", nameof(PublicHost), "Address workers reach the coordinator at, if not --host", Value: "HOST"),
        new("--max-frame-size", nameof(MaxFrameSize), "Largest message in bytes; the same on every node", ClusterNodeOptions.DefaultMaxFrameSize.ToString(CultureInfo.InvariantCulture), Value: "BYTES"),
        new("--state-dir", nameof(StateDir), "Where checkpoints are kept; a run resumes from its last one", "state", Value: "PATH"),
        new("--checkpoint-every", nameof(CheckpointEvery), "Steps between checkpoints (also one at each epoch's end)", "100", Value: "N"),
        new("--step-timeout", nameof(StepTimeout), "Seconds a step waits for a shard before sending it to another worker", "10", Value: "SECONDS"),
        new("--restart", nameof(Restart), "Delete the checkpoints in --state-dir and start over", "false", IsSwitch: true),
        new("--metrics-port", nameof(MetricsPort), "Serve metrics for Prometheus at http://HOST:PORT/metrics", Value: "PORT"),
        new("--plot-out", nameof(PlotOut), "Write the loss curve as a PNG at each checkpoint and at the end", Value: "PATH"),
        new("--progress-every", nameof(ProgressEvery), "Seconds between progress lines within a long epoch", "5", Value: "SECONDS"),
    ];

    public static CoordinatorOptions Load(string[] args)
    {
        var options = CommandLine.Bind<CoordinatorOptions>(CommandLine.Configuration(args, Specs, Section), Section, Specs);
        options.Validate();
        return options;
    }

    public int EffectiveMinWorkers => MinWorkers ?? System.Math.Max(1, LocalWorkers);

    private void Validate()
    {
        if (LocalWorkers is < 0 or > 64)
        {
            throw new InputException($"--local-workers: {LocalWorkers} is outside 0..64");
        }

        if (MinWorkers is < 1)
        {
            throw new InputException($"--min-workers: must be at least 1, got {MinWorkers}");
        }

        if (Port is < 0 or > 65535)
        {
            throw new InputException($"--port: {Port} is not a port number (0-65535)");
        }

        if (MaxFrameSize is < 32_000 or > int.MaxValue / 2)
        {
            throw new InputException($"--max-frame-size: {MaxFrameSize} is outside 32000..{int.MaxValue / 2}");
        }

        if (CheckpointEvery < 1)
        {
            throw new InputException($"--checkpoint-every: must be at least 1, got {CheckpointEvery}");
        }

        if (StepTimeout is < 0.01 or > 86_400)
        {
            throw new InputException($"--step-timeout: {StepTimeout} is outside 0.01..86400 seconds");
        }

        if (MetricsPort is < 1 or > 65535)
        {
            throw new InputException($"--metrics-port: {MetricsPort} is not a port number (1-65535)");
        }

        if (ProgressEvery is < 0.1 or > 86_400)
        {
            throw new InputException($"--progress-every: {ProgressEvery} is outside 0.1..86400 seconds");
        }

        if (string.IsNullOrWhiteSpace(StateDir))
        {
            throw new InputException("--state-dir: must name a directory");
        }

        if (string.IsNullOrWhiteSpace(ModelOut))
        {
            throw new InputException("--model-out: must name a file");
        }
    }

    public TrainingOptions ToTrainingOptions()
    {
        if (!ActivationFunctions.TryParse(Activation, out var activation))
        {
            throw new InputException($"--activation: '{Activation}' is not one of linear, relu, tanh, sigmoid");
        }

        var hidden = new List<int>();
        foreach (var part in Hidden.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var size) || size <= 0)
            {
                throw new InputException($"--hidden: '{Hidden}' is not a comma-separated list of positive layer sizes");
            }

            hidden.Add(size);
        }

        return new TrainingOptions
        {
            DataPath = Data,
            Target = Target,
            Features = Features is null ? [] : [.. Features.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)],
            Hidden = hidden,
            Activation = activation,
            BatchSize = BatchSize,
            Batches = Batches,
            Epochs = Epochs,
            LearningRate = LearningRate,
            Seed = Seed,
            Shuffle = Shuffle,
            Standardize = Standardize,
            InitWeightsPath = InitWeights,
        };
    }

    public RunSettings ToRunSettings() => new()
    {
        MinWorkers = EffectiveMinWorkers,
        MaxFrameSize = MaxFrameSize,
        MetricsOut = MetricsOut,
        StateDirectory = StateDir,
        CheckpointEvery = CheckpointEvery,
        StepTimeout = TimeSpan.FromSeconds(StepTimeout),
        PlotOut = PlotOut,
        ProgressEvery = TimeSpan.FromSeconds(ProgressEvery),
    };

    public ClusterNodeOptions ToNodeOptions() =>
        new() { Host = Host, Port = Port, PublicHost = PublicHost, MaxFrameSize = MaxFrameSize };
}
