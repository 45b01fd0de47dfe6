using ShardedBackprop.Data;
using ShardedBackprop.Model;
using ShardedBackprop.Numerics;

namespace ShardedBackprop.Training;

/// <summary>
/// A run made ready: the data loaded and scaled, the network, the initial parameters and the batch
/// plan. The reference trainer and the distributed coordinator both start from one of these, so
/// they train exactly the same problem.
/// </summary>
public sealed class TrainingSetup
{
    private TrainingSetup(TrainingOptions options, DataTable raw, DataTable data, Standardization? scaler, Mlp network, double[] initial, BatchPlan plan)
    {
        Options = options;
        RawData = raw;
        Data = data;
        Scaler = scaler;
        Network = network;
        InitialParameters = initial;
        Plan = plan;
    }

    public TrainingOptions Options { get; }

    /// <summary>The data as read.</summary>
    public DataTable RawData { get; }

    /// <summary>The data the network trains on (scaled when standardising).</summary>
    public DataTable Data { get; }

    public Standardization? Scaler { get; }

    public Mlp Network { get; }

    public NetworkShape Shape => Network.Shape;

    public double[] InitialParameters { get; }

    public BatchPlan Plan { get; }

    /// <summary>The bundled seed dataset beside the running program.</summary>
    public static string DefaultDataPath => Path.Combine(AppContext.BaseDirectory, "data", "salary.csv");

    public static TrainingSetup Create(TrainingOptions options)
    {
        if (options.Epochs <= 0)
        {
            throw new InputException($"--epochs: must be positive, got {options.Epochs}");
        }

        if (!double.IsFinite(options.LearningRate) || options.LearningRate <= 0)
        {
            throw new InputException($"--learning-rate: must be a positive number, got {options.LearningRate}");
        }

        if (options.Hidden.Any(h => h <= 0))
        {
            throw new InputException($"--hidden: layer sizes must be positive, got {string.Join(",", options.Hidden)}");
        }

        if (options.BatchSize is not null && options.Batches is not null)
        {
            throw new InputException("--batch-size and --batches: give one or the other, not both");
        }

        var raw = CsvDataLoader.Load(options.DataPath ?? DefaultDataPath, options.Target, options.Features);
        var scaler = options.Standardize ? Standardization.Fit(raw) : null;
        var data = scaler?.Apply(raw) ?? raw;
        var shape = NetworkShape.Create(raw.FeatureCount, options.Hidden, raw.TargetCount);
        var network = new Mlp(shape, options.Activation);
        var initial = options.InitWeightsPath is { } modelPath
            ? InitialFromModel(modelPath, network, raw)
            : Initialization.Uniform(shape, options.Seed);
        var plan = options.BatchSize is { } size
            ? BatchPlan.WithBatchSize(raw.Rows, size, options.Shuffle, options.Seed)
            : BatchPlan.WithBatchCount(raw.Rows, Math.Min(options.Batches ?? TrainingOptions.DefaultBatches, raw.Rows), options.Shuffle, options.Seed);
        return new TrainingSetup(options, raw, data, scaler, network, initial, plan);
    }

    private static double[] InitialFromModel(string path, Mlp network, DataTable data)
    {
        ModelFile model;
        try
        {
            model = ModelFile.Read(path);
        }
        catch (InputException e)
        {
            throw new InputException($"--init-weights: {e.Message}");
        }

        if (!model.Features.SequenceEqual(data.FeatureNames))
        {
            throw new InputException($"--init-weights: {path} was trained on features {string.Join(",", model.Features)} but this run uses {string.Join(",", data.FeatureNames)}");
        }

        if (!model.Shape.Equals(network.Shape))
        {
            throw new InputException($"--init-weights: {path} has layers {model.Shape} but this run's network is {network.Shape}");
        }

        if (model.HiddenActivation != network.HiddenActivation)
        {
            throw new InputException($"--init-weights: {path} uses activation {model.HiddenActivation.Name()} but this run uses {network.HiddenActivation.Name()}");
        }

        return model.Parameters;
    }

    /// <summary>Copies the given rows' features and targets into contiguous [rows, n] arrays, in the given order.</summary>
    public (double[] Features, double[] Targets) GatherRows(ReadOnlySpan<int> rows)
    {
        var features = new double[rows.Length * Data.FeatureCount];
        var targets = new double[rows.Length * Data.TargetCount];
        for (var k = 0; k < rows.Length; k++)
        {
            Data.FeatureRow(rows[k]).CopyTo(features.AsSpan(k * Data.FeatureCount));
            Data.TargetRow(rows[k]).CopyTo(targets.AsSpan(k * Data.TargetCount));
        }

        return (features, targets);
    }

    /// <summary>The per-epoch loss figures for an epoch whose summed squared error is <paramref name="sse"/>.</summary>
    public EpochSummary Summarize(int epoch, double sse, long steps)
    {
        var mse = sse / ((double)Data.Rows * Data.TargetCount);
        var scale = Scaler?.TargetStd[0] ?? 1.0;
        return new EpochSummary(epoch, sse, mse, Math.Sqrt(mse) * scale, steps);
    }

    /// <summary>The model file content for trained parameters.</summary>
    public ModelFile ToModel(double[] parameters, long steps, double finalSse) => new(
        RawData.FeatureNames,
        RawData.TargetNames[0],
        Shape,
        Network.HiddenActivation,
        parameters,
        Scaler,
        new TrainingInfo(Options.Epochs, steps, Plan.BatchSize, Options.LearningRate, Options.Seed, finalSse));
}

/// <summary>
/// One epoch's loss. <see cref="Sse"/> is the sum, over the epoch's steps, of each batch's squared
/// errors at the parameters that step started from (what the forward passes compute anyway), in the
/// units the network trains on; <see cref="Mse"/> divides it by the number of rows;
/// <see cref="Rmse"/> is sqrt(MSE) in the target's original units.
/// </summary>
public sealed record EpochSummary(int Epoch, double Sse, double Mse, double Rmse, long Steps);
