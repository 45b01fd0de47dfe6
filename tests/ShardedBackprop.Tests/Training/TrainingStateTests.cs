using ShardedBackprop.Numerics;
using ShardedBackprop.Protocol;
using ShardedBackprop.Training;

namespace ShardedBackprop.Tests.Training;

/// <summary>The coordinator's pure state machine, with strings for workers.</summary>
public sealed class TrainingStateTests
{
    private static readonly TrainingSetup Setup = TrainingSetup.Create(new TrainingOptions { Epochs = 2, BatchSize = 4 });

    private static TrainingState<string> State(int minWorkers = 1, int checkpointEvery = 0) =>
        new(Setup, minWorkers, maxChunkWords: 10_000, checkpointEvery);

    private static List<(string To, T Message)> Sent<T>(IEnumerable<CoordinatorCommand<string>> commands) =>
        [.. commands.OfType<CoordinatorCommand<string>.Send>().Where(s => s.Message is T).Select(s => (s.To, (T)s.Message))];

    /// <summary>What a worker would answer for <paramref name="shard"/> at the state's current parameters.</summary>
    private static IReadOnlyList<GradientChunk> Answer(TrainingState<string> state, ComputeGradient shard)
    {
        var worker = new WorkerComputation();
        worker.Configure(new NetworkSpec([.. Setup.Shape.LayerSizes], Setup.Network.HiddenActivation, 10_000));
        worker.Update(new Parameters(shard.Step, state.Progress.Parameters));
        return worker.Compute(shard)!;
    }

    private static List<CoordinatorCommand<string>> Deliver(TrainingState<string> state, ComputeGradient shard) =>
        [.. Answer(state, shard).SelectMany(state.ChunkReceived)];

    [Fact]
    public void Should_wait_for_the_minimum_of_workers_then_send_parameters_before_rows()
    {
        var state = State(minWorkers: 2);

        var first = state.WorkerJoined("a");
        var second = state.WorkerJoined("b");

        Assert.Single(first);
        Assert.IsType<NetworkSpec>(((CoordinatorCommand<string>.Send)first[0]).Message);
        var toA = second.OfType<CoordinatorCommand<string>.Send>().Where(s => s.To == "a").Select(s => s.Message).ToList();
        Assert.IsType<Parameters>(toA[0]);
        Assert.IsType<ComputeGradient>(toA[1]);
        Assert.Equal([2, 2], Sent<ComputeGradient>(second).Select(s => s.Message.Rows));
    }

    [Fact]
    public void Should_give_a_worker_joining_mid_step_the_current_parameters_and_nothing_of_a_step_already_assigned()
    {
        var state = State();
        state.WorkerJoined("a");

        var joined = state.WorkerJoined("b");

        var parameters = Assert.Single(Sent<Parameters>(joined));
        Assert.Equal(("b", 1L), (parameters.To, parameters.Message.Step));
        Assert.Equal(Setup.InitialParameters, parameters.Message.Theta);
        Assert.Empty(Sent<ComputeGradient>(joined));
    }

    [Fact]
    public void Should_move_the_rows_of_a_lost_worker_and_resend_a_stragglers_to_another()
    {
        var state = State(minWorkers: 2);
        state.WorkerJoined("a");
        var start = state.WorkerJoined("b");
        var ofB = Sent<ComputeGradient>(start).Single(s => s.To == "b").Message;

        var moved = Assert.Single(Sent<ComputeGradient>(state.WorkerLeft("b")));
        Assert.Equal(("a", ofB), moved);

        state.WorkerJoined("c");
        var resent = Sent<ComputeGradient>(state.ResendOutstanding());
        Assert.Equal(2, resent.Count);
        Assert.DoesNotContain(resent, r => r.To == "a" && r.Message == ofB); // not back to the one that is slow with it
        Assert.Equal(2, state.ResentShards);
    }

    [Fact]
    public void Should_ignore_a_duplicate_and_complete_the_step_once()
    {
        var state = State();
        var shard = Sent<ComputeGradient>(state.WorkerJoined("a")).Single().Message;
        var chunks = Answer(state, shard);

        var first = chunks.SelectMany(state.ChunkReceived).ToList();
        var again = chunks.SelectMany(state.ChunkReceived).ToList();

        Assert.Equal(2, Assert.Single(Sent<Parameters>(first)).Message.Step);
        Assert.Empty(again);
        Assert.Equal(1, state.Progress.CompletedSteps);
    }

    [Fact]
    public void Should_ask_for_checkpoints_every_n_steps_and_at_each_epochs_end()
    {
        var state = State(checkpointEvery: 3);
        var commands = state.WorkerJoined("a").ToList();
        var checkpointsAfterStep = new List<long>();
        while (!state.IsFinished)
        {
            var shard = Sent<ComputeGradient>(commands).Single().Message;
            commands = Deliver(state, shard);
            if (commands.OfType<CoordinatorCommand<string>.Checkpoint>().Any())
            {
                checkpointsAfterStep.Add(state.Progress.CompletedSteps);
            }
        }

        // 2 batches an epoch, 2 epochs: ends of epochs at steps 2 and 4, every 3rd step at 3.
        Assert.Equal([2, 3, 4], checkpointsAfterStep);
        Assert.Equal(ReferenceTrainer.Train(Setup).Parameters, state.Progress.Parameters);
    }

    [Fact]
    public void Should_finish_the_step_in_flight_before_stopping()
    {
        var state = State();
        var shard = Sent<ComputeGradient>(state.WorkerJoined("a")).Single().Message;

        Assert.Empty(state.RequestStop());
        var completion = Deliver(state, shard);

        Assert.Contains(completion, c => c is CoordinatorCommand<string>.Checkpoint);
        Assert.Equal(1, Assert.Single(completion.OfType<CoordinatorCommand<string>.Stopped>()).CompletedSteps);
        Assert.Empty(Sent<ComputeGradient>(completion));
        Assert.Empty(state.WorkerJoined("b"));
    }

    [Fact]
    public void Should_stop_at_once_when_no_worker_is_left_to_finish_the_step()
    {
        var state = State();
        state.WorkerJoined("a");
        state.RequestStop();

        var left = state.WorkerLeft("a");

        Assert.Equal(0, Assert.Single(left.OfType<CoordinatorCommand<string>.Stopped>()).CompletedSteps);
    }

    [Fact]
    public void Should_resume_from_a_checkpoint_to_the_reference_bits()
    {
        var first = State();
        var commands = first.WorkerJoined("a").ToList();
        for (var step = 0; step < 3; step++)
        {
            commands = Deliver(first, Sent<ComputeGradient>(commands).Single().Message);
        }

        var identity = RunIdentity.Of(Setup);
        var reports = first.Progress.History.Select(h => new EpochReport(h, 1, 0.0)).ToList();
        var checkpoint = first.Progress.ToCheckpoint(identity, reports);
        var resumed = new TrainingState<string>(Setup, 1, 10_000, 0, TrainingProgress.Restore(Setup, checkpoint));
        commands = resumed.WorkerJoined("b").ToList();
        while (!resumed.IsFinished)
        {
            commands = Deliver(resumed, Sent<ComputeGradient>(commands).Single().Message);
        }

        Assert.Equal(4, resumed.Progress.CompletedSteps);
        Assert.Equal(ReferenceTrainer.Train(Setup).Parameters, resumed.Progress.Parameters);
        Assert.Equal(ReferenceTrainer.Train(Setup).History, resumed.Progress.History);
    }
}
