using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ShardedBackprop.Hosting;

namespace ShardedBackprop.Worker;

/// <summary>Hosting wiring of a worker node, used by the worker program, by the coordinator's local workers and by the tests.</summary>
public static class WorkerHosting
{
    /// <summary>Adds a worker node: cluster member in role "worker" with the worker actor at /user/worker.</summary>
    /// <param name="onTrainingFinished">Called when the coordinator ends training.</param>
    public static IServiceCollection AddTrainingWorker(this IServiceCollection services, ClusterNodeOptions node, Action onTrainingFinished) =>
        services.AddAkka(ClusterHosting.SystemName, (builder, provider) => builder
            .WithTrainingCluster(node, ClusterHosting.WorkerRole)
            .WithActors((system, registry) =>
            {
                var log = provider.GetRequiredService<ILoggerFactory>().CreateLogger("ShardedBackprop.Worker");
                var worker = system.ActorOf(WorkerActor.Props(log, onTrainingFinished), ClusterHosting.WorkerActorName);
                registry.Register<WorkerActor>(worker);
            }));

    /// <summary>A host running one worker node, logging through <paramref name="configureLogging"/>.</summary>
    public static IHost BuildHost(ClusterNodeOptions node, Action<ILoggingBuilder> configureLogging, Action? onTrainingFinished = null) =>
        NodeHost.Build(configureLogging, services => services.AddTrainingWorker(node, onTrainingFinished ?? (() => { })));
}
