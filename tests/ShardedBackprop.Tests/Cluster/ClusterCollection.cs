namespace ShardedBackprop.Tests.Cluster;

/// <summary>Tests that start cluster nodes or processes run one at a time: they share the machine's two cores and its ports.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection
{
    public const string Name = "cluster";
}
