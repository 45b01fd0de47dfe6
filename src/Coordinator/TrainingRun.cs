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
    private readonly RunSettings _settings;
    private readonly List<EpochReport> _reports = [];
    private readonly TaskCompletionSource<TrainingResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TrainingRun(TrainingSetup setup, RunSettings settings, ILogger log, TrainingTelemetry? telemetry = null)
    {
        Setup = setup;
        Telemetry = telemetry;
        _settings = settings;
        _log = log;
        MaxChunkWords = CheckFrameSize(setup, settings.MaxFrameSize);
        Identity = RunIdentity.Of(setup);
    }

    public TrainingSetup Setup { get; }

    /// <summary>Metrics of the run; null when none are kept.</summary>
    public TrainingTelemetry? Telemetry { get; }

    public TimeSpan ProgressEvery => _settings.ProgressEvery;

    /// <summary>What identifies this run in a checkpoint.</summary>
    public IReadOnlyDictionary<string, string> Identity { get; }

    public int MinWorkers => _settings.MinWorkers;

    public string? StateDirectory => _settings.StateDirectory;

    public int CheckpointEvery => _settings.CheckpointEvery;

    public TimeSpan StepTimeout => _settings.StepTimeout;

    /// <summary>Most words of packed sums a worker puts in one reply.</summary>
    public int MaxChunkWords { get; }

    /// <summary>The epochs reported so far, restored ones included.</summary>
    public IReadOnlyList<EpochReport> Reports => _reports;

    /// <summary>
    /// Completes with the result, or fails with <see cref="TrainingDivergedException"/>,
    /// <see cref="TrainingStoppedException"/> or <see cref="InputException"/> (a checkpoint that does not fit).
    /// </summary>
    public Task<TrainingResult> Completion => _completion.Task;

    public void Complete(TrainingResult result) => _completion.TrySetResult(result);

    /// <summary>Raised (on the coordinator actor's thread) when the number of workers changes.</summary>
    public event Action<int>? WorkerCountChanged;

    /// <summary>Shards sent again (after a timeout) so far.</summary>
    public long ResentShards { get; private set; }

    public void ReportWorkers(int count)
    {
        Telemetry?.WorkersChanged(count);
        WorkerCountChanged?.Invoke(count);
    }

    public void ReportResent(long shards, int rows)
    {
        ResentShards = shards;
        Telemetry?.RowsResent(rows);
    }

    public void ReportStep(int rows, TimeSpan duration) => Telemetry?.StepCompleted(rows, duration);

    /// <summary>
    /// A checkpoint is on disk: the loss curve is drawn anew, at most every few seconds (short
    /// epochs checkpoint far more often than anyone looks at a picture).
    /// </summary>
    public void ReportCheckpoint()
    {
        if (_plotClock.Elapsed >= PlotInterval)
        {
            WritePlot();
        }
    }

    private static readonly TimeSpan PlotInterval = TimeSpan.FromSeconds(2);
    private readonly System.Diagnostics.Stopwatch _plotClock = System.Diagnostics.Stopwatch.StartNew();

    /// <summary>A line on a long epoch's progress: where it is, how fast, and how long is left.</summary>
    public void ReportProgress(int epoch, int batch, TimeSpan epochElapsed)
    {
        var plan = Setup.Plan;
        var rowsDone = (long)batch * plan.BatchSize;
        if (rowsDone == 0 || epochElapsed <= TimeSpan.Zero)
        {
            return;
        }

        var rate = rowsDone / epochElapsed.TotalSeconds;
        var leftInEpoch = TimeSpan.FromSeconds((plan.Rows - rowsDone) / rate);
        var leftInRun = leftInEpoch + TimeSpan.FromSeconds((double)(Setup.Options.Epochs - epoch) * plan.Rows / rate);
        _log.LogInformation(
            "epoch {Epoch}/{Epochs}: batch {Batch}/{Batches} ({Percent}%), {Rate} rows/s, about {EpochLeft} left in this epoch, {RunLeft} in the run",
            epoch,
            Setup.Options.Epochs,
            batch,
            plan.BatchesPerEpoch,
            100 * batch / plan.BatchesPerEpoch,
            rate.ToString("F0", CultureInfo.InvariantCulture),
            Duration(leftInEpoch),
            Duration(leftInRun));
    }

    private static string Duration(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}h {t.Minutes:00}m" : t.TotalMinutes >= 1 ? $"{t.Minutes}m {t.Seconds:00}s" : $"{Math.Ceiling(t.TotalSeconds):0}s";

    private void WritePlot()
    {
        _plotClock.Restart();
        if (_settings.PlotOut is { } path && _reports.Count > 0)
        {
            LossPlot.Write(path, _reports, $"{Setup.Shape} on {Path.GetFileName(Setup.RawData.Source)}: epoch loss");
        }
    }

    public void Fail(Exception reason) => _completion.TrySetException(reason);

    /// <summary>Takes back the epochs a checkpoint reported, and rewrites the metrics file with them.</summary>
    public void Restore(IEnumerable<EpochReport> reports)
    {
        _reports.Clear();
        _reports.AddRange(reports);
        WriteMetrics();
    }

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
        _reports.Add(new EpochReport(epoch, workers, elapsed.TotalSeconds));
        Telemetry?.EpochCompleted(epoch.Sse);
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

        WriteMetrics();
    }

    private void WriteMetrics()
    {
        if (_settings.MetricsOut is null)
        {
            return;
        }

        var text = new StringBuilder("epoch,sse,mse,rmse,steps,workers,seconds\n");
        foreach (var r in _reports)
        {
            var e = r.Summary;
            text.Append(CultureInfo.InvariantCulture, $"{e.Epoch},{e.Sse:R},{e.Mse:R},{e.Rmse:R},{e.Steps},{r.Workers},{r.Seconds:0.######}\n");
        }

        AtomicFile.WriteAllText(_settings.MetricsOut, text.ToString());
    }

    /// <summary>Writes the trained model atomically and says where.</summary>
    public void WriteModel(TrainingResult result, string path)
    {
        Setup.ToModel(result.Parameters, result.Steps, result.FinalSse).Write(path);
        _log.LogInformation("Model written to {Path}", Path.GetFullPath(path));
        if (_settings.PlotOut is { } plot)
        {
            WritePlot();
            _log.LogInformation("Loss curve drawn in {Path}", Path.GetFullPath(plot));
        }
    }
}
