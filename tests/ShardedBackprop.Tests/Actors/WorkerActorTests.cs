using Akka.TestKit.Xunit2;
using Microsoft.Extensions.Logging.Abstractions;
using ShardedBackprop.Numerics;
using ShardedBackprop.Protocol;
using ShardedBackprop.Worker;

namespace ShardedBackprop.Tests.Actors;

public sealed class WorkerActorTests : TestKit
{
    private static readonly NetworkShape Shape = NetworkShape.Create(3, [4], 1);

    [Theory]
    [InlineData(100_000, 1)]
    [InlineData(40, 2)]  // a small frame budget: the sums arrive in several chunks
    public void Should_reply_with_the_math_cores_gradient_of_its_rows(int maxChunkWords, int minChunks)
    {
        var worker = Sys.ActorOf(WorkerActor.Props(NullLogger.Instance, WorkerEvents.None));
        var theta = Initialization.Uniform(Shape, 5);
        var random = new Random(5);
        var features = Enumerable.Range(0, 5 * 3).Select(_ => random.NextDouble()).ToArray();
        var targets = Enumerable.Range(0, 5).Select(_ => random.NextDouble()).ToArray();

        worker.Tell(new NetworkSpec([3, 4, 1], Activation.Tanh, maxChunkWords), TestActor);
        worker.Tell(new Parameters(3, theta), TestActor);
        worker.Tell(new ComputeGradient(3, 1, 5, features, targets), TestActor);

        var received = new GradientSum(Shape.ParameterCount);
        var accumulators = 0;
        var chunks = 0;
        while (accumulators < received.AccumulatorCount)
        {
            var chunk = ExpectMsg<GradientChunk>();
            Assert.Equal((3L, 1, 5), (chunk.Step, chunk.Shard, chunk.Rows));
            Assert.Equal(accumulators, chunk.First);
            received.AddPacked(chunk.First, chunk.Count, chunk.Packed, chunk.First == 0 ? chunk.Rows : 0);
            accumulators += chunk.Count;
            chunks++;
        }

        Assert.True(chunks >= minChunks, $"{chunks} chunk(s)");
        var network = new Mlp(Shape, Activation.Tanh);
        var expected = new GradientSum(Shape.ParameterCount);
        network.AccumulateRows(theta, features, targets, expected, network.CreateWorkspace());
        Assert.Equal(expected.RoundGradient(), received.RoundGradient());
        Assert.Equal(expected.RoundLoss(), received.RoundLoss());
        Assert.Equal(5, received.Rows);
    }

    [Fact]
    public void Should_not_compute_rows_of_a_step_whose_parameters_it_lacks()
    {
        var worker = Sys.ActorOf(WorkerActor.Props(NullLogger.Instance, WorkerEvents.None));
        worker.Tell(new NetworkSpec([3, 4, 1], Activation.Linear, 1000), TestActor);
        worker.Tell(new Parameters(1, Initialization.Uniform(Shape, 1)), TestActor);

        worker.Tell(new ComputeGradient(2, 0, 1, [1, 2, 3], [4]), TestActor);

        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task Should_signal_when_training_finishes()
    {
        var finished = new TaskCompletionSource();
        var worker = Sys.ActorOf(WorkerActor.Props(NullLogger.Instance, WorkerEvents.None with { OnTrainingFinished = () => finished.TrySetResult() }));

        worker.Tell(TrainingFinished.Instance, TestActor);

        await finished.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Should_signal_when_the_coordinator_stops_before_the_end()
    {
        var lost = new TaskCompletionSource<string>();
        var worker = Sys.ActorOf(WorkerActor.Props(NullLogger.Instance, WorkerEvents.None with { OnCoordinatorLost = why => lost.TrySetResult(why) }));

        worker.Tell(CoordinatorStopping.Instance, TestActor);

        Assert.Equal("stopping", await lost.Task.WaitAsync(TimeSpan.FromSeconds(5)));
    }
}
