using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ShardedBackprop.Hosting;

namespace ShardedBackprop.Worker;

/// <summary>What a worker node tells its program: training is over, or the coordinator went away (with why).</summary>
public sealed record WorkerEvents(Action OnTrainingFinished, Action<string> OnCoordinatorLost)
{
    public static readonly WorkerEvents None = new(() => { }, _ => { });
}

/// <summary>Hosting wiring of a worker node, used by the worker program, by the coordinator's local workers and by the tests.</summary>
public static class WorkerHosting
{
    /// <summary>Adds a worker node: cluster member in role "worker" with the worker actor at /user/worker.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="node">Where the node listens and whom it joins.</param>
    /// <param name="events">What the node tells its program.</param>
    /// <param name="workerProps">The worker actor's props; null for <see cref="WorkerActor"/> (tests put scripted workers here).</param>
    public static IServiceCollection AddTrainingWorker(this IServiceCollection services, ClusterNodeOptions node, WorkerEvents events, Func<ILogger, WorkerEvents, Akka.Actor.Props>? workerProps = null) =>
        services.AddAkka(ClusterHosting.SystemName, (builder, provider) => builder
            .WithTrainingCluster(node, ClusterHosting.WorkerRole)
            .WithActors((system, registry) =>
            {
                var log = provider.GetRequiredService<ILoggerFactory>().CreateLogger("ShardedBackprop.Worker");
                var worker = system.ActorOf((workerProps ?? WorkerActor.Props)(log, events), ClusterHosting.WorkerActorName);
                registry.Register<WorkerActor>(worker);
                system.ActorOf(CoordinatorWatcher.Props(events.OnCoordinatorLost), "coordinator-watcher");
            }));

    /// <summary>A host running one worker node, logging through <paramref name="configureLogging"/>.</summary>
    public static IHost BuildHost(ClusterNodeOptions node, Action<ILoggingBuilder> configureLogging, WorkerEvents? events = null, Func<ILogger, WorkerEvents, Akka.Actor.Props>? workerProps = null) =>
        NodeHost.Build(configureLogging, services => services.AddTrainingWorker(node, events ?? WorkerEvents.None, workerProps));
}
