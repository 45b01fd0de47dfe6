using ShardedBackprop.Numerics;
using ShardedBackprop.Protocol;

namespace ShardedBackprop.Training;

/// <summary>A worker's state and work, free of actors: the network, the parameters of the latest step, and the gradient of a shard.</summary>
public sealed class WorkerComputation
{
    private Mlp? _network;
    private Mlp.Workspace? _workspace;
    private GradientSum? _sum;
    private int _maxChunkWords;
    private double[]? _parameters;

    /// <summary>The step whose parameters this worker holds; 0 before any.</summary>
    public long Step { get; private set; }

    public void Configure(NetworkSpec spec)
    {
        _network = new Mlp(new Numerics.NetworkShape(spec.LayerSizes), spec.HiddenActivation);
        _workspace = _network.CreateWorkspace();
        _sum = new GradientSum(_network.ParameterCount);
        _maxChunkWords = spec.MaxChunkWords;
        _parameters = null;
        Step = 0;
    }

    public void Update(Parameters parameters)
    {
        if (_network is not null && parameters.Theta.Length != _network.ParameterCount)
        {
            throw new ArgumentException($"expected {_network.ParameterCount} parameters, got {parameters.Theta.Length}");
        }

        _parameters = parameters.Theta;
        Step = parameters.Step;
    }

    /// <summary>
    /// The exact sums of the shard's rows at the current parameters, packed into chunks that fit a
    /// frame; null when this worker lacks the network or the parameters of the shard's step.
    /// </summary>
    public IReadOnlyList<GradientChunk>? Compute(ComputeGradient shard)
    {
        if (_network is null || _parameters is null || shard.Step != Step)
        {
            return null;
        }

        _sum!.Clear();
        _network.AccumulateRows(_parameters, shard.Features, shard.Targets, _sum, _workspace!);
        var chunks = new List<GradientChunk>();
        for (var first = 0; first < _sum.AccumulatorCount;)
        {
            var (packed, count) = _sum.Pack(first, _maxChunkWords);
            chunks.Add(new GradientChunk(shard.Step, shard.Shard, shard.Rows, first, count, packed));
            first += count;
        }

        return chunks;
    }
}
