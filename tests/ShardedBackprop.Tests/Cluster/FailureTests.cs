using Akka.Actor;
using Microsoft.Extensions.Hosting;
using ShardedBackprop.Coordinator;
using ShardedBackprop.Training;

namespace ShardedBackprop.Tests.Cluster;

/// <summary>Workers lost, added and late in the middle of a step: the result keeps the reference's bits.</summary>
[Collection(ClusterCollection.Name)]
public sealed class FailureTests
{
    private static readonly TrainingOptions Options = new() { Epochs = 40, BatchSize = 4 };

    private static long[] Bits(double[] values) => [.. values.Select(BitConverter.DoubleToInt64Bits)];

    private static Task WhenWorkers(TrainingRun run, int count)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        run.WorkerCountChanged += n =>
        {
            if (n == count)
            {
                reached.TrySetResult();
            }
        };
        return reached.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Should_resend_the_rows_of_a_worker_stopped_in_the_middle_of_a_step()
    {
        var setup = TrainingSetup.Create(Options);
        var reference = ReferenceTrainer.Train(setup);
        await using var cluster = await InProcessCluster.StartAsync(setup, minWorkers: 3, workers: 2);
        var reached = new TaskCompletionSource<IActorRef>(TaskCreationOptions.RunContinuationsAsynchronously);
        var doomed = await cluster.AddWorkerAsync(ScriptedWorker.Holding(step: 30, reached));

        // The doomed node has rows of step 30 and will never answer: its ActorSystem stops now.
        await reached.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await doomed.StopAsync();
        var result = await cluster.Completion;

        Assert.Equal(Bits(reference.Parameters), Bits(result.Parameters));
        Assert.Equal(2, cluster.Run.Reports[^1].Workers);
    }

    [Fact]
    public async Task Should_give_a_worker_that_joins_mid_training_the_current_weights_and_rows_from_the_next_step()
    {
        var setup = TrainingSetup.Create(Options);
        var reference = ReferenceTrainer.Train(setup);
        var reached = new TaskCompletionSource<IActorRef>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var cluster = await InProcessCluster.StartAsync(setup, minWorkers: 1, workers: 0);
        await cluster.AddWorkerAsync(ScriptedWorker.Holding(step: 20, reached));

        // Step 20 waits on the only worker while a second one joins; then the step completes.
        var holder = await reached.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var twoWorkers = WhenWorkers(cluster.Run, 2);
        await cluster.AddWorkerAsync();
        await twoWorkers;
        holder.Tell(ScriptedWorker.Release.Instance);
        var result = await cluster.Completion;

        Assert.Equal(Bits(reference.Parameters), Bits(result.Parameters));
        Assert.Equal(1, cluster.Run.Reports[0].Workers);
        Assert.Equal(2, cluster.Run.Reports[^1].Workers);
    }

    [Fact]
    public async Task Should_resend_a_stragglers_rows_after_the_step_timeout_and_ignore_its_late_reply()
    {
        var setup = TrainingSetup.Create(Options);
        var reference = ReferenceTrainer.Train(setup);
        var settings = new RunSettings { MinWorkers = 2, StepTimeout = TimeSpan.FromMilliseconds(300) };
        await using var cluster = await InProcessCluster.StartAsync(setup, settings, workers: 1);
        var reached = new TaskCompletionSource<IActorRef>(TaskCreationOptions.RunContinuationsAsynchronously);
        await cluster.AddWorkerAsync(ScriptedWorker.Holding(step: 10, reached));

        // The straggler sits on step 10 until training is over; its rows are done by the other worker.
        var straggler = await reached.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var result = await cluster.Completion;
        straggler.Tell(ScriptedWorker.Release.Instance);

        Assert.Equal(Bits(reference.Parameters), Bits(result.Parameters));
        Assert.True(cluster.Run.ResentShards >= 1, $"{cluster.Run.ResentShards} shards re-sent");
        Assert.Equal(2, cluster.Run.Reports[^1].Workers);
    }
}
