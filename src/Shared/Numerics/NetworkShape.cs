namespace ShardedBackprop.Numerics;

/// <summary>
/// The layer sizes of a fully connected network and where each layer's parameters live in the
/// flat parameter buffer.
/// </summary>
/// <remarks>
/// Layout of the flat buffer, layer after layer (l = 1 .. L, fanIn = size of layer l-1):
/// <code>
/// layer l: [size_l, fanIn + 1] row-major: for each neuron j, its fanIn weights (input 1 .. fanIn), then its bias
/// </code>
/// For the seed's 2-2-1 network this is exactly the order of SEED.md:
/// w1_11, w1_21, b11, w1_12, w1_22, b12, w2_11, w2_21, b21.
/// Keeping each neuron's weights and bias together makes forward and backward walk the buffer
/// sequentially.
/// </remarks>
public sealed class NetworkShape : IEquatable<NetworkShape>
{
    private readonly int[] _sizes;
    private readonly int[] _offsets;

    /// <param name="layerSizes">Inputs, then each hidden layer, then outputs (at least two entries, all positive).</param>
    public NetworkShape(IReadOnlyList<int> layerSizes)
    {
        if (layerSizes.Count < 2)
        {
            throw new ArgumentException("a network needs an input and an output layer", nameof(layerSizes));
        }

        if (layerSizes.Any(s => s <= 0))
        {
            throw new ArgumentException($"layer sizes must be positive: [{string.Join(",", layerSizes)}]", nameof(layerSizes));
        }

        _sizes = [.. layerSizes];
        _offsets = new int[_sizes.Length];
        var offset = 0L;
        for (var l = 1; l < _sizes.Length; l++)
        {
            _offsets[l] = (int)offset;
            offset += (long)_sizes[l] * (_sizes[l - 1] + 1);
            if (offset > Array.MaxLength)
            {
                throw new ArgumentException("the network has too many parameters for one buffer", nameof(layerSizes));
            }
        }

        ParameterCount = (int)offset;
        MaxLayerSize = _sizes.Max();
    }

    public static NetworkShape Create(int inputs, IReadOnlyList<int> hidden, int outputs) =>
        new([inputs, .. hidden, outputs]);

    /// <summary>Inputs, hidden layers, outputs.</summary>
    public IReadOnlyList<int> LayerSizes => _sizes;

    public int Inputs => _sizes[0];

    public int Outputs => _sizes[^1];

    /// <summary>Number of weight layers (one less than the number of layer sizes).</summary>
    public int LayerCount => _sizes.Length - 1;

    public int ParameterCount { get; }

    public int MaxLayerSize { get; }

    /// <summary>Offset of weight layer <paramref name="layer"/> (1-based, as in SEED.md) in the flat buffer.</summary>
    public int LayerOffset(int layer) => _offsets[layer];

    public int FanIn(int layer) => _sizes[layer - 1];

    public int FanOut(int layer) => _sizes[layer];

    /// <summary>Index of the weight from input <paramref name="input"/> to neuron <paramref name="neuron"/> of a layer (all 0-based but the layer).</summary>
    public int WeightIndex(int layer, int neuron, int input) => _offsets[layer] + (neuron * (_sizes[layer - 1] + 1)) + input;

    public int BiasIndex(int layer, int neuron) => WeightIndex(layer, neuron, _sizes[layer - 1]);

    /// <summary>
    /// Human names of the parameters in buffer order, in SEED.md's notation: w{layer}_{input}{neuron}
    /// and b{layer}{neuron}, 1-based (indices joined with an underscore when any exceeds 9).
    /// </summary>
    public IReadOnlyList<string> ParameterNames()
    {
        var names = new List<string>(ParameterCount);
        for (var l = 1; l <= LayerCount; l++)
        {
            var wide = FanIn(l) > 9 || FanOut(l) > 9;
            var sep = wide ? "_" : "";
            for (var j = 0; j < FanOut(l); j++)
            {
                for (var i = 0; i < FanIn(l); i++)
                {
                    names.Add($"w{l}_{i + 1}{sep}{j + 1}");
                }

                names.Add($"b{l}{sep}{j + 1}");
            }
        }

        return names;
    }

    public override string ToString() => string.Join("-", _sizes);

    public bool Equals(NetworkShape? other) => other is not null && _sizes.AsSpan().SequenceEqual(other._sizes);

    public override bool Equals(object? obj) => Equals(obj as NetworkShape);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var s in _sizes)
        {
            hash.Add(s);
        }

        return hash.ToHashCode();
    }
}
