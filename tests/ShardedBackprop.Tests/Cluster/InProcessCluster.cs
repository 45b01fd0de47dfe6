using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ShardedBackprop.Coordinator;
using ShardedBackprop.Hosting;
using ShardedBackprop.Training;
using ShardedBackprop.Worker;

namespace ShardedBackprop.Tests.Cluster;

/// <summary>A coordinator node and worker nodes in this process, each its own ActorSystem on a port of its own (port 0), joined over loopback TCP.</summary>
internal sealed class InProcessCluster : IAsyncDisposable
{
    private readonly List<IHost> _workers = [];

    private InProcessCluster(IHost coordinator, TrainingRun run)
    {
        CoordinatorHost = coordinator;
        Run = run;
    }

    public IHost CoordinatorHost { get; }

    public TrainingRun Run { get; }

    public string SeedNode => CoordinatorHosting.SeedNodeOf(CoordinatorHost);

    public static Task<InProcessCluster> StartAsync(TrainingSetup setup, int minWorkers, int workers) =>
        StartAsync(setup, new RunSettings { MinWorkers = minWorkers }, workers);

    public static async Task<InProcessCluster> StartAsync(TrainingSetup setup, RunSettings settings, int workers)
    {
        var run = new TrainingRun(setup, settings, NullLogger.Instance);
        var coordinator = CoordinatorHosting.BuildHost(new ClusterNodeOptions { Port = 0 }, run, Quiet);
        await coordinator.StartAsync();
        var cluster = new InProcessCluster(coordinator, run);
        for (var i = 0; i < workers; i++)
        {
            await cluster.AddWorkerAsync();
        }

        return cluster;
    }

    /// <summary>Starts another worker node that joins the coordinator; <paramref name="workerProps"/> replaces its worker actor.</summary>
    public async Task<IHost> AddWorkerAsync(Func<ILogger, WorkerEvents, Akka.Actor.Props>? workerProps = null)
    {
        var worker = WorkerHosting.BuildHost(new ClusterNodeOptions { Port = 0, SeedNodes = [SeedNode] }, Quiet, workerProps: workerProps);
        _workers.Add(worker);
        await worker.StartAsync();
        return worker;
    }

    public Task<TrainingResult> Completion => Run.Completion.WaitAsync(TimeSpan.FromSeconds(120));

    private static void Quiet(ILoggingBuilder logging) => logging.SetMinimumLevel(LogLevel.None);

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            await worker.StopAsync();
            worker.Dispose();
        }

        _workers.Clear();

        await CoordinatorHost.StopAsync();
        CoordinatorHost.Dispose();
    }
}
