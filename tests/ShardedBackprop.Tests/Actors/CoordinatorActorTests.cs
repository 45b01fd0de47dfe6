using Akka.Actor;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.Logging.Abstractions;
using ShardedBackprop.Coordinator;
using ShardedBackprop.Numerics;
using ShardedBackprop.Protocol;
using ShardedBackprop.Training;

namespace ShardedBackprop.Tests.Actors;

public sealed class CoordinatorActorTests() : TestKit(ActorTestConfig.ClusterProvider)
{
    private static TrainingRun Run(TrainingOptions options, int minWorkers) =>
        new(TrainingSetup.Create(options), new RunSettings { MinWorkers = minWorkers }, NullLogger.Instance);

    [Fact]
    public void Should_shard_the_batch_over_its_workers_and_broadcast_theta_minus_eta_g()
    {
        var run = Run(new TrainingOptions { Epochs = 1, BatchSize = 4, LearningRate = 0.05 }, minWorkers: 2);
        var setup = run.Setup;
        var coordinator = Sys.ActorOf(CoordinatorActor.Props(run, NullLogger.Instance));
        var first = CreateTestProbe();
        var second = CreateTestProbe();

        coordinator.Tell(new CoordinatorActor.WorkerFound(first.Ref));
        coordinator.Tell(new CoordinatorActor.WorkerFound(second.Ref));

        // Each worker gets the network, the parameters of step 1, then its half of batch 1 (rows 0-3).
        var shards = new List<ComputeGradient>();
        foreach (var probe in new[] { first, second })
        {
            var spec = probe.ExpectMsg<NetworkSpec>();
            Assert.Equal([2, 2, 1], spec.LayerSizes);
            var parameters = probe.ExpectMsg<Parameters>();
            Assert.Equal(1, parameters.Step);
            Assert.Equal(setup.InitialParameters, parameters.Theta);
            var shard = probe.ExpectMsg<ComputeGradient>();
            Assert.Equal(1, shard.Step);
            Assert.Equal(2, shard.Rows);
            shards.Add(shard);
        }

        var sent = shards.OrderBy(s => s.Shard).ToList();
        Assert.Equal([0, 1], sent.Select(s => s.Shard));
        var (features, targets) = setup.GatherRows([0, 1, 2, 3]);
        Assert.Equal(features, sent.SelectMany(s => s.Features));
        Assert.Equal(targets, sent.SelectMany(s => s.Targets));

        // The workers reply with the math core's sums for their rows.
        foreach (var (probe, shard) in new[] { (first, shards[0]), (second, shards[1]) })
        {
            foreach (var chunk in Compute(setup, shard, setup.InitialParameters))
            {
                coordinator.Tell(chunk, probe.Ref);
            }
        }

        // Step 2 starts from theta - eta * g, g the batch gradient of the math core.
        var expected = (double[])setup.InitialParameters.Clone();
        var sum = new GradientSum(setup.Network.ParameterCount);
        setup.Network.AccumulateRows(expected, features, targets, sum, setup.Network.CreateWorkspace());
        Sgd.Step(expected, sum.RoundGradient(), 0.05);
        foreach (var probe in new[] { first, second })
        {
            var next = probe.ExpectMsg<Parameters>();
            Assert.Equal(2, next.Step);
            Assert.Equal(expected.Select(BitConverter.DoubleToInt64Bits), next.Theta.Select(BitConverter.DoubleToInt64Bits));
        }
    }

    [Fact]
    public async Task Should_ignore_replies_for_a_step_that_is_not_current_and_duplicates()
    {
        var run = Run(new TrainingOptions { Epochs = 1, BatchSize = 8 }, minWorkers: 1);
        var setup = run.Setup;
        var coordinator = Sys.ActorOf(CoordinatorActor.Props(run, NullLogger.Instance));
        var worker = CreateTestProbe();
        coordinator.Tell(new CoordinatorActor.WorkerFound(worker.Ref));
        worker.ExpectMsg<NetworkSpec>();
        worker.ExpectMsg<Parameters>();
        var shard = worker.ExpectMsg<ComputeGradient>();
        var chunks = Compute(setup, shard, setup.InitialParameters);

        // A reply for another step changes nothing: no next step starts.
        foreach (var chunk in chunks)
        {
            coordinator.Tell(chunk with { Step = 7 }, worker.Ref);
        }

        worker.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        // The real reply completes the only step of the only epoch; a late duplicate is ignored.
        foreach (var chunk in chunks)
        {
            coordinator.Tell(chunk, worker.Ref);
            coordinator.Tell(chunk, worker.Ref);
        }

        worker.ExpectMsg<TrainingFinished>();
        var result = await run.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        var reference = ReferenceTrainer.Train(setup);
        Assert.Equal(reference.Parameters, result.Parameters);
        Assert.Equal(1, result.Steps);
    }

    [Fact]
    public async Task Should_send_the_rows_of_a_stopped_worker_to_the_one_that_remains()
    {
        var run = Run(new TrainingOptions { Epochs = 1, BatchSize = 8 }, minWorkers: 2);
        var setup = run.Setup;
        var coordinator = Sys.ActorOf(CoordinatorActor.Props(run, NullLogger.Instance));
        var survivor = CreateTestProbe();
        var lost = CreateTestProbe();
        coordinator.Tell(new CoordinatorActor.WorkerFound(survivor.Ref));
        coordinator.Tell(new CoordinatorActor.WorkerFound(lost.Ref));
        survivor.ExpectMsg<NetworkSpec>();
        survivor.ExpectMsg<Parameters>();
        var own = survivor.ExpectMsg<ComputeGradient>();
        lost.ExpectMsg<NetworkSpec>();
        lost.ExpectMsg<Parameters>();
        var orphan = lost.ExpectMsg<ComputeGradient>();

        Sys.Stop(lost.Ref);

        var resent = survivor.ExpectMsg<ComputeGradient>();
        Assert.Equal(orphan, resent);
        foreach (var chunk in Compute(setup, own, setup.InitialParameters).Concat(Compute(setup, resent, setup.InitialParameters)))
        {
            coordinator.Tell(chunk, survivor.Ref);
        }

        survivor.ExpectMsg<TrainingFinished>();
        Assert.Equal(ReferenceTrainer.Train(setup).Parameters, (await run.Completion.WaitAsync(TimeSpan.FromSeconds(10))).Parameters);
    }

    private static IReadOnlyList<GradientChunk> Compute(TrainingSetup setup, ComputeGradient shard, double[] theta)
    {
        var worker = new WorkerComputation();
        worker.Configure(new NetworkSpec([.. setup.Shape.LayerSizes], setup.Network.HiddenActivation, 1000));
        worker.Update(new Parameters(shard.Step, theta));
        return worker.Compute(shard)!;
    }
}
