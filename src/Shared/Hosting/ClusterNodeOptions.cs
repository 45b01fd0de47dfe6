namespace ShardedBackprop.Hosting;

/// <summary>Where a node listens and whom it joins; shared by the coordinator and the workers.</summary>
public sealed class ClusterNodeOptions
{
    /// <summary>Address to bind (and to advertise, unless <see cref="PublicHost"/> is set).</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Port to bind; 0 for any free port.</summary>
    public int Port { get; set; }

    /// <summary>Address other nodes use to reach this one, when it differs from <see cref="Host"/> (e.g. behind NAT or in a container).</summary>
    public string? PublicHost { get; set; }

    /// <summary>Addresses of nodes to join (akka.tcp://ShardedBackprop@host:port); empty: this node founds the cluster.</summary>
    public IReadOnlyList<string> SeedNodes { get; set; } = [];

    /// <summary>Largest message the transport accepts, in bytes; must be the same on every node.</summary>
    public long MaxFrameSize { get; set; } = DefaultMaxFrameSize;

    public const long DefaultMaxFrameSize = 16L * 1024 * 1024;
}
