using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Akka.Serialization;
using ShardedBackprop.Protocol;
using ShardedBackprop.Serialization;
using ShardedBackprop.Training;

namespace ShardedBackprop.Hosting;

/// <summary>Akka.Hosting wiring common to the coordinator, the workers and the tests.</summary>
public static class ClusterHosting
{
    public const string SystemName = "ShardedBackprop";
    public const string CoordinatorRole = "coordinator";
    public const string WorkerRole = "worker";

    /// <summary>Name of the coordinator actor, under /user.</summary>
    public const string CoordinatorActorName = "coordinator";

    /// <summary>Name of the worker actor, under /user; the coordinator finds workers by this path.</summary>
    public const string WorkerActorName = "worker";

    /// <summary>The address of a coordinator listening on host:port, as a seed node.</summary>
    public static string SeedNodeAddress(string host, int port) => $"akka.tcp://{SystemName}@{host}:{port}";

    /// <summary>
    /// Remoting, clustering in <paramref name="role"/>, the protocol's serializer, and Akka's log
    /// bridged into Microsoft.Extensions.Logging.
    /// </summary>
    public static AkkaConfigurationBuilder WithTrainingCluster(this AkkaConfigurationBuilder builder, ClusterNodeOptions node, string role)
    {
        var frameSize = checked((int)node.MaxFrameSize);
        return builder
            .AddHocon(
                """
                akka.cluster {
                  # Small clusters: gossip often so that joins and leaves are seen in a fraction of a second.
                  gossip-interval = 200ms
                  leader-actions-interval = 200ms
                  periodic-tasks-initial-delay = 0s
                  retry-unsuccessful-join-after = 1s
                  seed-node-timeout = 2s
                  log-info = off
                  # A worker that cannot reach the coordinator keeps trying to join.
                  shutdown-after-unsuccessful-join-seed-nodes = off
                  # A crashed node is seen within about three seconds, and downed two seconds later.
                  failure-detector.heartbeat-interval = 500ms
                  failure-detector.acceptable-heartbeat-pause = 2s
                  split-brain-resolver.stable-after = 2s
                }
                akka.remote.log-remote-lifecycle-events = off
                # The programs decide what Ctrl+C and SIGTERM mean (finish the step, checkpoint, leave):
                # Akka must not start its own shutdown on them.
                akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
                # Leaving must not hang on a coordinator that is gone: the worker rejoins the next one.
                akka.coordinated-shutdown.phases.cluster-leave.timeout = 2s
                akka.coordinated-shutdown.phases.cluster-exiting.timeout = 2s
                akka.actor.serialize-messages = off
                """,
                HoconAddMode.Prepend)
            .WithRemoting(new RemoteOptions
            {
                HostName = node.Host,
                Port = node.Port,
                PublicHostName = node.PublicHost,
                MaxFrameSize = frameSize,
                SendBufferSize = frameSize * 2,
                ReceiveBufferSize = frameSize * 2,
            })
            .WithClustering(new ClusterOptions
            {
                Roles = [role],
                SeedNodes = [.. node.SeedNodes],
                // The coordinator is the oldest member (workers join it), so keep-oldest keeps the
                // coordinator's side of any partition up and downs the workers it cannot reach.
                SplitBrainResolver = new KeepOldestOption { DownIfAlone = false, Role = CoordinatorRole },
            })
            .WithCustomSerializer("hyperion", [typeof(ITrainingMessage)], system => new HyperionSerializer(system))
            // The big messages (parameters, rows, gradient sums) more specifically to raw binary.
            .WithCustomSerializer("training-binary", TrainingMessageSerializer.BoundTypes, system => new TrainingMessageSerializer(system))
            .WithCustomSerializer("checkpoint", [typeof(TrainingCheckpoint)], system => new CheckpointSerializer(system))
            .ConfigureLoggers(loggers =>
            {
                loggers.LogLevel = Akka.Event.LogLevel.WarningLevel;
                loggers.LogConfigOnStart = false;
                loggers.ClearLoggers();
                loggers.AddLogger<AkkaLogBridge>();
            });
    }
}
