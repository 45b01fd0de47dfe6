namespace ShardedBackprop.Tests.Actors;

/// <summary>A TestKit system that can host cluster-aware actors (remoting on port 0, never joined).</summary>
internal static class ActorTestConfig
{
    public const string ClusterProvider = """
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        akka.remote.dot-netty.tcp.port = 0
        akka.loglevel = WARNING
        """;
}
