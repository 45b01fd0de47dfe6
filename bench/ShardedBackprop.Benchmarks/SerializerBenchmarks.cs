using Akka.Actor;
using Akka.Serialization;
using BenchmarkDotNet.Attributes;
using ShardedBackprop.Protocol;
using ShardedBackprop.Serialization;

namespace ShardedBackprop.Benchmarks;

/// <summary>Encoding and decoding the parameters message (1M doubles): Hyperion against the raw binary serializer.</summary>
[MemoryDiagnoser]
public class SerializerBenchmarks
{
    private ActorSystem _system = null!;
    private Serializer _hyperion = null!;
    private TrainingMessageSerializer _binary = null!;
    private Parameters _message = null!;

    [Params(1_000_000)]
    public int Doubles { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("bench");
        var extended = (ExtendedActorSystem)_system;
        _hyperion = new HyperionSerializer(extended);
        _binary = new TrainingMessageSerializer(extended);
        _message = new Parameters(1, [.. Enumerable.Range(0, Doubles).Select(i => i * 0.5)]);
    }

    [GlobalCleanup]
    public void Cleanup() => _system.Terminate().Wait();

    [Benchmark(Baseline = true)]
    public object Hyperion() => _hyperion.FromBinary(_hyperion.ToBinary(_message), typeof(Parameters));

    [Benchmark]
    public object Binary() => _binary.FromBinary(_binary.ToBinary(_message), "P");
}
