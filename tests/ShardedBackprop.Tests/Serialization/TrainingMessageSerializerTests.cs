using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ShardedBackprop.Hosting;
using ShardedBackprop.Protocol;
using ShardedBackprop.Serialization;
using ShardedBackprop.Training;

namespace ShardedBackprop.Tests.Serialization;

/// <summary>The serializers as the cluster hosting binds them, on a real (unjoined) node.</summary>
[Collection(Cluster.ClusterCollection.Name)]
public sealed class TrainingMessageSerializerTests : IAsyncLifetime
{
    private IHost _node = null!;

    private Akka.Serialization.Serialization Serialization => _node.Services.GetRequiredService<ActorSystem>().Serialization;

    public async Task InitializeAsync()
    {
        _node = NodeHost.Build(
            _ => { },
            services => services.AddAkka(ClusterHosting.SystemName, builder => builder.WithTrainingCluster(new ClusterNodeOptions { Port = 0 }, ClusterHosting.WorkerRole)));
        await _node.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _node.StopAsync();
        _node.Dispose();
    }

    private static readonly double[] Awkward = [0.1, -0.0, double.Epsilon, double.MaxValue, -1e-300, Math.PI];

    public static TheoryData<ITrainingMessage> BigMessages() =>
    [
        new Parameters(7, Awkward),
        new ComputeGradient(3, 1, 2, [1, 2, 3, 4], Awkward[..2]),
        new GradientChunk(9, 0, 5, 2, 3, [long.MinValue, -1, 0, 1, long.MaxValue]),
        new Parameters(1, []),
    ];

    [Theory]
    [MemberData(nameof(BigMessages))]
    public void Should_round_trip_the_big_messages_bit_for_bit_through_the_binary_serializer(ITrainingMessage message)
    {
        var serializer = Serialization.FindSerializerFor(message);

        var bytes = serializer.ToBinary(message);
        var back = Serialization.Deserialize(bytes, serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, message));

        Assert.IsType<TrainingMessageSerializer>(serializer);
        Assert.Equal(Describe(message), Describe(back));
    }

    [Fact]
    public void Should_bind_the_small_messages_to_hyperion_and_checkpoints_to_their_own_format()
    {
        Assert.IsType<Akka.Serialization.HyperionSerializer>(Serialization.FindSerializerFor(TrainingFinished.Instance));
        Assert.IsType<Akka.Serialization.HyperionSerializer>(Serialization.FindSerializerFor(new NetworkSpec([2, 2, 1], ShardedBackprop.Numerics.Activation.Tanh, 100)));
        Assert.IsType<CheckpointSerializer>(Serialization.FindSerializerFor(new TrainingCheckpoint(new Dictionary<string, string>(), 1, 0, 0, [], [], [])));
    }

    /// <summary>A message as text with every double's bits, so that equality means bit equality.</summary>
    private static string Describe(object message) => message switch
    {
        Parameters p => $"P {p.Step} {Bits(p.Theta)}",
        ComputeGradient c => $"C {c.Step} {c.Shard} {c.Rows} {Bits(c.Features)} {Bits(c.Targets)}",
        GradientChunk g => $"G {g.Step} {g.Shard} {g.Rows} {g.First} {g.Count} {string.Join(",", g.Packed)}",
        _ => message.ToString()!,
    };

    private static string Bits(double[] values) => string.Join(",", values.Select(BitConverter.DoubleToInt64Bits));
}
