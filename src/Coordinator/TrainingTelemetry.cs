using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace ShardedBackprop.Coordinator;

/// <summary>
/// The coordinator's metrics (System.Diagnostics.Metrics, meter "ShardedBackprop"): epoch loss,
/// step duration, rows per second, workers connected and rows re-sent. With a port, they are
/// served for Prometheus to scrape at http://HOST:PORT/metrics through OpenTelemetry.
/// </summary>
public sealed class TrainingTelemetry : IDisposable
{
    public const string MeterName = "ShardedBackprop";

    private readonly Meter _meter = new(MeterName);
    private readonly Histogram<double> _stepDuration;
    private readonly Counter<long> _rowsResent;
    private readonly Counter<long> _steps;
    private readonly MeterProvider? _exporter;
    private double _epochLoss = double.NaN;
    private double _rowsPerSecond;
    private int _workers;

    /// <param name="prometheusPort">Port of the scrape endpoint; null for none.</param>
    /// <param name="host">Address it listens on (0.0.0.0 for every interface).</param>
    public TrainingTelemetry(int? prometheusPort, string host = "127.0.0.1")
    {
        _meter.CreateObservableGauge("sharded_backprop.epoch.loss", () => _epochLoss, description: "Sum of squared errors of the last finished epoch (training units)");
        _meter.CreateObservableGauge("sharded_backprop.rows_per_second", () => _rowsPerSecond, unit: "{row}/s", description: "Rows trained per second over the last finished step");
        _meter.CreateObservableGauge("sharded_backprop.workers", () => _workers, unit: "{worker}", description: "Workers connected to the coordinator");
        _stepDuration = _meter.CreateHistogram(
            "sharded_backprop.step.duration",
            unit: "s",
            description: "Time from sending a step's rows to its SGD update",
            tags: null,
            // Steps take from a fraction of a millisecond (the seed) to seconds (big batches).
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
        _rowsResent = _meter.CreateCounter<long>("sharded_backprop.rows.resent", unit: "{row}", description: "Rows sent again because their worker was lost or slow");
        _steps = _meter.CreateCounter<long>("sharded_backprop.steps", unit: "{step}", description: "Steps completed");
        if (prometheusPort is { } port)
        {
            _exporter = Sdk.CreateMeterProviderBuilder()
                .AddMeter(MeterName)
                .AddPrometheusHttpListener(o =>
                {
                    o.Host = host is "0.0.0.0" or "::" ? "*" : host;
                    o.Port = port;
                })
                .Build();
        }
    }

    public void StepCompleted(int rows, TimeSpan duration)
    {
        _steps.Add(1);
        _stepDuration.Record(duration.TotalSeconds);
        if (duration > TimeSpan.Zero)
        {
            _rowsPerSecond = rows / duration.TotalSeconds;
        }
    }

    public void EpochCompleted(double sse) => _epochLoss = sse;

    public void WorkersChanged(int count) => _workers = count;

    public void RowsResent(int rows) => _rowsResent.Add(rows);

    public void Dispose()
    {
        _exporter?.Dispose();
        _meter.Dispose();
    }
}
