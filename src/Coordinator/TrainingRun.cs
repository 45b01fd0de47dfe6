using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using ShardedBackprop.Model;
using ShardedBackprop.Training;

namespace ShardedBackprop.Coordinator;

/// <summary>One distributed training run as the hosting sees it: what to train, how to report, and how it ends.</summary>
public sealed class TrainingRun
{
    private readonly ILogger _log;
    private readonly List<string> _metricsRows = [];

    public TrainingRun(TrainingSetup setup, int minWorkers, long maxFrameSize, string? metricsOut, ILogger log)
    {
        Setup = setup;
        MinWorkers = minWorkers;
        MetricsOut = metricsOut;
        _log = log;
        MaxChunkWords = CheckFrameSize(setup, maxFrameSize);
    }

    public TrainingSetup Setup { get; }

    public int MinWorkers { get; }

    /// <summary>Most words of packed sums a worker puts in one reply.</summary>
    public int MaxChunkWords { get; }

    public string? MetricsOut { get; }

    /// <summary>Completes with the result, or with <see cref="TrainingDivergedException"/>.</summary>
    public TaskCompletionSource<TrainingResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Room for a message's envelope and serializer headers, on top of its arrays.</summary>
    private const long FrameOverhead = 64 * 1024;

    /// <summary>
    /// Checks that the largest messages fit the transport's frame: the parameters, and a whole batch's
    /// rows (a single worker may get them all). Gradient replies are cut into chunks that fit.
    /// </summary>
    private static int CheckFrameSize(TrainingSetup setup, long maxFrameSize)
    {
        var parameters = (8L * setup.Network.ParameterCount) + FrameOverhead;
        var rows = (8L * setup.Plan.BatchSize * (setup.Data.FeatureCount + setup.Data.TargetCount)) + FrameOverhead;
        var needed = System.Math.Max(parameters, rows);
        if (needed > maxFrameSize)
        {
            throw new InputException(
                $"--max-frame-size: messages of this run need {needed} bytes ({setup.Network.ParameterCount} parameters, batches of {setup.Plan.BatchSize} rows) but frames hold {maxFrameSize}; raise --max-frame-size on the coordinator and every worker, or lower --batch-size");
        }

        // Each packed word is 8 bytes; Hyperion adds a few bytes per array.
        return (int)System.Math.Min(int.MaxValue, (maxFrameSize - FrameOverhead) / 8);
    }

    /// <summary>Logs the epoch line and appends a metrics row (the CSV is rewritten whole, atomically).</summary>
    public void ReportEpoch(EpochSummary epoch, int workers, TimeSpan elapsed)
    {
        var target = Setup.RawData.TargetNames[0];
        _log.LogInformation(
            "epoch {Epoch}/{Epochs}  sse={Sse}  mse={Mse}  rmse({Target})={Rmse}  steps={Steps}  workers={Workers}  {Milliseconds} ms",
            epoch.Epoch,
            Setup.Options.Epochs,
            epoch.Sse.ToString("G4", CultureInfo.InvariantCulture),
            epoch.Mse.ToString("G4", CultureInfo.InvariantCulture),
            target,
            epoch.Rmse.ToString("G5", CultureInfo.InvariantCulture),
            epoch.Steps,
            workers,
            (long)elapsed.TotalMilliseconds);

        if (MetricsOut is null)
        {
            return;
        }

        _metricsRows.Add(string.Create(
            CultureInfo.InvariantCulture,
            $"{epoch.Epoch},{epoch.Sse:R},{epoch.Mse:R},{epoch.Rmse:R},{epoch.Steps},{workers},{elapsed.TotalSeconds:0.######}"));
        var text = new StringBuilder("epoch,sse,mse,rmse,steps,workers,seconds\n");
        foreach (var row in _metricsRows)
        {
            text.Append(row).Append('\n');
        }

        AtomicFile.WriteAllText(MetricsOut, text.ToString());
    }

    /// <summary>Writes the trained model atomically and says where.</summary>
    public void WriteModel(TrainingResult result, string path)
    {
        Setup.ToModel(result.Parameters, result.Steps, result.FinalSse).Write(path);
        _log.LogInformation("Model written to {Path}", Path.GetFullPath(path));
    }
}
