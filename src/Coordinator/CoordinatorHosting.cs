using Akka.Cluster;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ShardedBackprop.Hosting;

namespace ShardedBackprop.Coordinator;

/// <summary>Hosting wiring of the coordinator node, used by the coordinator program and by the tests.</summary>
public static class CoordinatorHosting
{
    /// <summary>
    /// Adds the coordinator node: a cluster member in role "coordinator" that founds the cluster
    /// (it joins itself, so it works on any port, 0 included) and runs the coordinator actor.
    /// </summary>
    public static IServiceCollection AddTrainingCoordinator(this IServiceCollection services, ClusterNodeOptions node, TrainingRun run) =>
        services.AddAkka(ClusterHosting.SystemName, (builder, provider) => builder
            .WithTrainingCluster(node, ClusterHosting.CoordinatorRole)
            .AddHocon(PersistenceConfig(run.StateDirectory), HoconAddMode.Prepend)
            .AddStartup((system, _) =>
            {
                var cluster = Cluster.Get(system);
                cluster.Join(cluster.SelfAddress);
            })
            .WithActors((system, registry) =>
            {
                var log = provider.GetRequiredService<ILoggerFactory>().CreateLogger("ShardedBackprop.Coordinator");
                var coordinator = system.ActorOf(CoordinatorActor.Props(run, log), ClusterHosting.CoordinatorActorName);
                registry.Register<CoordinatorActor>(coordinator);
            }));

    /// <summary>
    /// Checkpoints are snapshots in Akka.Persistence's local snapshot store (files under the state
    /// directory, each written to a temporary file and renamed); the coordinator persists no events.
    /// </summary>
    private static string PersistenceConfig(string? stateDirectory)
    {
        var directory = Path.GetFullPath(stateDirectory ?? ".").Replace("\\", "/", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
        return $$"""
            akka.persistence {
              journal.plugin = "akka.persistence.journal.inmem"
              snapshot-store.plugin = "akka.persistence.snapshot-store.local"
              snapshot-store.local.dir = "{{directory}}"
            }
            """;
    }

    /// <summary>Deletes the coordinator's checkpoints in <paramref name="stateDirectory"/> (for --restart).</summary>
    public static int DeleteCheckpoints(string stateDirectory) =>
        !Directory.Exists(stateDirectory)
            ? 0
            : Directory.EnumerateFiles(stateDirectory, $"snapshot-{CoordinatorActor.PersistenceId}-*").Select(f =>
            {
                File.Delete(f);
                return f;
            }).Count();

    /// <summary>A host running the coordinator node, logging through <paramref name="configureLogging"/>.</summary>
    public static IHost BuildHost(ClusterNodeOptions node, TrainingRun run, Action<ILoggingBuilder> configureLogging) =>
        NodeHost.Build(configureLogging, services => services.AddTrainingCoordinator(node, run));

    /// <summary>The address workers join: the coordinator's own cluster address once it is listening.</summary>
    public static string SeedNodeOf(IHost coordinatorHost) =>
        Cluster.Get(coordinatorHost.Services.GetRequiredService<Akka.Actor.ActorSystem>()).SelfAddress.ToString();
}
