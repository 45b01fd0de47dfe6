using BenchmarkDotNet.Attributes;
using ShardedBackprop.Numerics;

namespace ShardedBackprop.Benchmarks;

/// <summary>
/// What the exact reduction costs: a worker's whole job (forward, backward, sums) for a batch,
/// with the exact sums, against the same passes summed with plain doubles (not split-invariant).
/// </summary>
[MemoryDiagnoser]
public class GradientBenchmarks
{
    private Mlp _network = null!;
    private double[] _theta = null!;
    private double[] _features = null!;
    private double[] _targets = null!;
    private GradientSum _sum = null!;
    private Mlp.Workspace _workspace = null!;
    private double[] _plain = null!;

    [Params("2-2-1", "16-64-64-1")]
    public string Shape { get; set; } = "";

    [Params(256)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var shape = new NetworkShape([.. Shape.Split('-').Select(int.Parse)]);
        _network = new Mlp(shape, Activation.Tanh);
        _theta = Initialization.Uniform(shape, 1);
        var random = new SplitMix64(2);
        _features = [.. Enumerable.Range(0, Rows * shape.Inputs).Select(_ => random.NextDouble())];
        _targets = [.. Enumerable.Range(0, Rows * shape.Outputs).Select(_ => random.NextDouble())];
        _sum = new GradientSum(shape.ParameterCount);
        _workspace = _network.CreateWorkspace();
        _plain = new double[shape.ParameterCount];
    }

    [Benchmark(Baseline = true, Description = "forward+backward, plain double sums")]
    public double PlainSums()
    {
        Array.Clear(_plain);
        var inputs = _network.Shape.Inputs;
        for (var r = 0; r < Rows; r++)
        {
            _network.Forward(_theta, _features.AsSpan(r * inputs, inputs), _workspace);
            _network.Backward(_theta, _targets.AsSpan(r, 1), _workspace);
            for (var k = 0; k < _plain.Length; k++)
            {
                _plain[k] += _workspace.RowGradient[k];
            }
        }

        return _plain[0];
    }

    [Benchmark(Description = "forward+backward, exact sums (canonical)")]
    public double ExactSums()
    {
        _sum.Clear();
        _network.AccumulateRows(_theta, _features, _targets, _sum, _workspace);
        return _sum.RoundLoss();
    }
}
