namespace ShardedBackprop.Numerics;

/// <summary>Seeded parameter initialisation.</summary>
public static class Initialization
{
    /// <summary>
    /// The scheme of PyTorch's nn.Linear: every weight and bias of a layer with fanIn inputs drawn
    /// uniformly from [-1/sqrt(fanIn), 1/sqrt(fanIn)), in buffer order, from one SplitMix64 stream
    /// seeded with <paramref name="seed"/>. Same seed, same shape: same bits everywhere.
    /// </summary>
    public static double[] Uniform(NetworkShape shape, ulong seed)
    {
        var theta = new double[shape.ParameterCount];
        var random = new SplitMix64(seed);
        for (var l = 1; l <= shape.LayerCount; l++)
        {
            var bound = 1.0 / Math.Sqrt(shape.FanIn(l));
            var start = shape.LayerOffset(l);
            var count = shape.FanOut(l) * (shape.FanIn(l) + 1);
            for (var k = start; k < start + count; k++)
            {
                theta[k] = (2.0 * random.NextDouble() - 1.0) * bound;
            }
        }

        return theta;
    }
}
