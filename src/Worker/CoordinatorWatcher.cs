using Akka.Actor;
using Akka.Cluster;
using ShardedBackprop.Hosting;

namespace ShardedBackprop.Worker;

/// <summary>
/// Watches cluster membership for the coordinator's node: when it becomes unreachable or is
/// removed (it crashed, or stopped), the worker node restarts and waits to join the next one.
/// </summary>
public sealed class CoordinatorWatcher : ReceiveActor
{
    private readonly Cluster _cluster = Cluster.Get(Context.System);

    public CoordinatorWatcher(Action<string> onCoordinatorLost)
    {
        Receive<ClusterEvent.UnreachableMember>(e =>
        {
            if (e.Member.HasRole(ClusterHosting.CoordinatorRole))
            {
                onCoordinatorLost("unreachable");
            }
        });
        Receive<ClusterEvent.MemberRemoved>(e =>
        {
            if (e.Member.HasRole(ClusterHosting.CoordinatorRole))
            {
                onCoordinatorLost("left the cluster");
            }
        });
        ReceiveAny(_ => { });
    }

    public static Props Props(Action<string> onCoordinatorLost) => Akka.Actor.Props.Create(() => new CoordinatorWatcher(onCoordinatorLost));

    protected override void PreStart() =>
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.UnreachableMember), typeof(ClusterEvent.MemberRemoved));

    protected override void PostStop() => _cluster.Unsubscribe(Self);
}
