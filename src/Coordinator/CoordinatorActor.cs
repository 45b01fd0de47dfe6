using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Persistence;
using Microsoft.Extensions.Logging;
using ShardedBackprop.Hosting;
using ShardedBackprop.Protocol;
using ShardedBackprop.Training;

namespace ShardedBackprop.Coordinator;

/// <summary>
/// Owns the parameters and drives training. It restores the last checkpoint, finds workers through
/// cluster membership, routes every event into <see cref="TrainingState{TWorker}"/>, carries out the
/// commands it returns, and saves checkpoints to the snapshot store.
/// </summary>
public sealed class CoordinatorActor : ReceiveActor, IWithTimers, IWithUnboundedStash
{
    public const string PersistenceId = "sharded-backprop-coordinator";
    private const int MaxIdentifyAttempts = 50;
    private const string StepTimerKey = "step-timeout";
    private const string ProgressTimerKey = "progress";
    private static readonly TimeSpan IdentifyRetry = TimeSpan.FromMilliseconds(200);

    private readonly TrainingRun _run;
    private readonly ILogger _log;
    private readonly IActorRef? _snapshotStore;
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly Dictionary<IActorRef, Address> _workers = [];
    private readonly HashSet<Address> _upWorkers = [];
    private readonly Stopwatch _epochClock = new();
    private readonly Stopwatch _stepClock = new();
    private TrainingState<IActorRef> _state = null!;
    private long _timedStep;
    private long _savingSteps = -1;
    private Action? _afterSave;

    public CoordinatorActor(TrainingRun run, ILogger log)
    {
        _run = run;
        _log = log;
        _snapshotStore = run.StateDirectory is null ? null : Persistence.Instance.Apply(Context.System).SnapshotStoreFor(null);
        Become(Loading);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public IStash Stash { get; set; } = null!;

    public static Props Props(TrainingRun run, ILogger log) => Akka.Actor.Props.Create(() => new CoordinatorActor(run, log));

    /// <summary>
    /// A worker actor to train with. Membership events lead here (a worker node is up, its actor
    /// identified); tests send it directly with probes as workers.
    /// </summary>
    public sealed record WorkerFound(IActorRef Worker);

    /// <summary>Stop after the current step, with a checkpoint (Ctrl+C, SIGTERM).</summary>
    public sealed record StopTraining
    {
        public static readonly StopTraining Instance = new();
    }

    /// <summary>Time for a progress line, if the epoch is a long one.</summary>
    private sealed record ProgressTick
    {
        public static readonly ProgressTick Instance = new();
    }

    /// <summary>The current step has waited longer than the step timeout.</summary>
    private sealed record StepTimedOut(long Step);

    /// <summary>Asks a worker node for its worker actor; <see cref="Attempt"/> counts retries.</summary>
    private sealed record IdentifyWorker(Address Address, int Attempt);

    protected override void PreStart()
    {
        if (_snapshotStore is null)
        {
            Start(null);
            return;
        }

        _snapshotStore.Tell(new LoadSnapshot(PersistenceId, SnapshotSelectionCriteria.Latest, long.MaxValue));
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void Loading()
    {
        Receive<LoadSnapshotResult>(result => Start(result.Snapshot?.Snapshot as TrainingCheckpoint));
        Receive<LoadSnapshotFailed>(failed =>
        {
            _run.Fail(new InputException($"--state-dir: {_run.StateDirectory}: cannot read the checkpoint: {failed.Cause.Message}; use --restart to start over"));
            Context.Stop(Self);
        });
        ReceiveAny(_ => Stash.Stash());
    }

    private void Start(TrainingCheckpoint? checkpoint)
    {
        TrainingProgress? progress = null;
        if (checkpoint is not null)
        {
            var differences = RunIdentity.Differences(checkpoint.Identity, _run.Identity);
            if (differences.Count > 0)
            {
                _run.Fail(new InputException(
                    $"--state-dir: {_run.StateDirectory} holds the checkpoint of another run (differs in {string.Join(", ", differences)}); use --restart to start over, or another --state-dir"));
                Context.Stop(Self);
                return;
            }

            progress = TrainingProgress.Restore(_run.Setup, checkpoint);
            _run.Restore(checkpoint.Reports);
            if (progress.IsFinished)
            {
                _log.LogInformation("The checkpoint in {StateDir} is of a finished run: nothing to train (--restart trains again)", _run.StateDirectory);
                _run.Complete(progress.ToResult());
                Context.Stop(Self);
                return;
            }

            _log.LogInformation("Resuming from the checkpoint after step {Steps} (epoch {Epoch}, batch {Batch})", checkpoint.CompletedSteps, checkpoint.Epoch, checkpoint.Batch + 1);
        }

        _state = new TrainingState<IActorRef>(_run.Setup, _run.MinWorkers, _run.MaxChunkWords, _run.CheckpointEvery, progress);
        Become(Training);
        Stash.UnstashAll();
        Timers.StartPeriodicTimer(ProgressTimerKey, ProgressTick.Instance, _run.ProgressEvery);
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        _log.LogInformation("Waiting for {MinWorkers} worker(s) to join {Address}", _run.MinWorkers, _cluster.SelfAddress);
    }

    private void Training()
    {
        Receive<ClusterEvent.MemberUp>(up => WorkerUp(up.Member));
        Receive<ClusterEvent.ReachableMember>(back => WorkerUp(back.Member));
        Receive<IdentifyWorker>(retry =>
        {
            if (_upWorkers.Contains(retry.Address) && !_workers.ContainsValue(retry.Address))
            {
                Identify(retry.Address, retry.Attempt);
            }
        });
        Receive<ActorIdentity>(OnIdentity);
        Receive<WorkerFound>(found => AddWorker(found.Worker.Path.Address, found.Worker));
        Receive<ClusterEvent.UnreachableMember>(e => WorkerLost(e.Member.Address, "unreachable"));
        Receive<ClusterEvent.MemberLeft>(e => WorkerLost(e.Member.Address, "leaving"));
        Receive<ClusterEvent.MemberExited>(e => WorkerLost(e.Member.Address, "leaving"));
        Receive<ClusterEvent.MemberRemoved>(e => WorkerLost(e.Member.Address, "removed"));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<Terminated>(t => WorkerLost(t.ActorRef, t.ActorRef.Path.Address, "stopped"));
        Receive<GradientChunk>(chunk => Execute(() => _state.ChunkReceived(chunk)));
        Receive<StepTimedOut>(timeout =>
        {
            if (timeout.Step == _state.Progress.Step && _state.OutstandingShards > 0 && _workers.Count > 0)
            {
                _log.LogWarning("Step {Step} waited {Timeout} s: sending its {Shards} unfinished shard(s) again", timeout.Step, _run.StepTimeout.TotalSeconds, _state.OutstandingShards);
                Execute(_state.ResendOutstanding);
                Timers.StartSingleTimer(StepTimerKey, timeout, _run.StepTimeout);
            }
        });
        Receive<StopTraining>(_ => Execute(_state.RequestStop));
        Receive<ProgressTick>(_ =>
        {
            if (_state.Started && !_state.IsFinished && _epochClock.Elapsed >= _run.ProgressEvery)
            {
                _run.ReportProgress(_state.Progress.Epoch, _state.Progress.Batch, _epochClock.Elapsed);
            }
        });
        Receive<SaveSnapshotSuccess>(saved => Saved(saved.Metadata.SequenceNr, null));
        Receive<SaveSnapshotFailure>(failed => Saved(failed.Metadata.SequenceNr, failed.Cause));
        Receive<DeleteSnapshotsSuccess>(_ => { });
        Receive<DeleteSnapshotsFailure>(failed => _log.LogWarning("Could not delete old checkpoints: {Reason}", failed.Cause.Message));
    }

    private void WorkerUp(Member member)
    {
        if (member.HasRole(ClusterHosting.WorkerRole) && member.Status == MemberStatus.Up)
        {
            _upWorkers.Add(member.Address);
            Identify(member.Address, 1);
        }
    }

    private void Identify(Address address, int attempt) =>
        // The message id crosses the wire: a plain string, which every node can read.
        Context.ActorSelection(new RootActorPath(address) / "user" / ClusterHosting.WorkerActorName)
            .Tell(new Identify($"{attempt}|{address}"));

    private void OnIdentity(ActorIdentity identity)
    {
        if (identity.MessageId is not string id || id.Split('|', 2) is not [var attemptText, var addressText])
        {
            return;
        }

        var request = new IdentifyWorker(Address.Parse(addressText), int.Parse(attemptText, System.Globalization.CultureInfo.InvariantCulture));
        if (identity.Subject is null)
        {
            // The node is up but its worker actor is not started yet: ask again shortly.
            if (request.Attempt < MaxIdentifyAttempts)
            {
                Timers.StartSingleTimer(request.Address, request with { Attempt = request.Attempt + 1 }, IdentifyRetry);
            }
            else
            {
                _log.LogWarning("Node {Address} has the worker role but no worker actor; ignoring it", request.Address);
            }

            return;
        }

        if (_upWorkers.Contains(request.Address))
        {
            AddWorker(request.Address, identity.Subject);
        }
    }

    private void AddWorker(Address address, IActorRef worker)
    {
        if (_state.StopRequested || !_workers.TryAdd(worker, address))
        {
            return;
        }

        Context.Watch(worker);
        _log.LogInformation("Worker joined: {Address} ({Count} worker(s))", address, _workers.Count);
        _run.ReportWorkers(_workers.Count);
        var wasStarted = _state.Started;
        Execute(() => _state.WorkerJoined(worker));
        if (!wasStarted && _state.Started)
        {
            _log.LogInformation("Training with {Count} worker(s)", _workers.Count);
            _epochClock.Restart();
        }
    }

    private void WorkerLost(Address address, string why)
    {
        _upWorkers.Remove(address);
        foreach (var worker in _workers.Where(w => w.Value == address).Select(w => w.Key).ToList())
        {
            WorkerLost(worker, address, why);
        }
    }

    private void WorkerLost(IActorRef worker, Address address, string why)
    {
        if (!_workers.Remove(worker))
        {
            return;
        }

        Context.Unwatch(worker);
        _run.ReportWorkers(_workers.Count);
        if (_state.IsFinished || (_state.StopRequested && _state.OutstandingShards == 0))
        {
            return; // workers leave because training is over
        }

        _log.LogInformation("Worker left: {Address} ({Why}); {Count} worker(s) remain", address, why, _workers.Count);
        Execute(() => _state.WorkerLeft(worker));
        if (_workers.Count == 0)
        {
            _log.LogWarning("No workers left: waiting for one to join");
        }
    }

    private void Execute(Func<IReadOnlyList<CoordinatorCommand<IActorRef>>> transition)
    {
        IReadOnlyList<CoordinatorCommand<IActorRef>> commands;
        var stepsBefore = _state.Progress.CompletedSteps;
        var rowsBefore = _state.IsFinished ? 0 : _state.Progress.BatchRows.Length;
        var resentBefore = _state.ResentRows;
        try
        {
            commands = transition();
        }
        catch (TrainingDivergedException e)
        {
            // The last checkpoint and any earlier model file stay as they were.
            _log.LogError("{Message}", e.Message);
            TellWorkers(TrainingFinished.Instance);
            _run.Fail(e);
            Context.Stop(Self);
            return;
        }

        if (_state.Progress.CompletedSteps > stepsBefore)
        {
            _run.ReportStep(rowsBefore, _stepClock.Elapsed);
        }

        if (_state.ResentRows > resentBefore)
        {
            _run.ReportResent(_state.ResentShards, (int)(_state.ResentRows - resentBefore));
        }

        foreach (var command in commands)
        {
            switch (command)
            {
                case CoordinatorCommand<IActorRef>.Send send:
                    send.To.Tell(send.Message, Self);
                    break;
                case CoordinatorCommand<IActorRef>.EpochCompleted epoch:
                    var elapsed = _epochClock.Elapsed;
                    _epochClock.Restart();
                    _run.ReportEpoch(epoch.Summary, _workers.Count, elapsed);
                    break;
                case CoordinatorCommand<IActorRef>.Checkpoint:
                    SaveCheckpoint();
                    break;
                case CoordinatorCommand<IActorRef>.Finished finished:
                    AfterSave(() => _run.Complete(finished.Result));
                    break;
                case CoordinatorCommand<IActorRef>.Stopped stopped:
                    AfterSave(() =>
                    {
                        TellWorkers(CoordinatorStopping.Instance);
                        _run.Fail(new TrainingStoppedException(stopped.CompletedSteps));
                    });
                    break;
            }
        }

        if (!_state.IsFinished && !_state.StopRequested && _state.Progress.Step != _timedStep)
        {
            _timedStep = _state.Progress.Step;
            _stepClock.Restart();
            Timers.StartSingleTimer(StepTimerKey, new StepTimedOut(_timedStep), _run.StepTimeout);
        }
    }

    private void TellWorkers(object message)
    {
        foreach (var worker in _workers.Keys)
        {
            worker.Tell(message, Self);
        }
    }

    private void SaveCheckpoint()
    {
        if (_snapshotStore is null)
        {
            return;
        }

        var checkpoint = _state.Progress.ToCheckpoint(_run.Identity, _run.Reports);
        _savingSteps = checkpoint.CompletedSteps;
        _snapshotStore.Tell(new SaveSnapshot(new SnapshotMetadata(PersistenceId, checkpoint.CompletedSteps, DateTime.UtcNow), checkpoint), Self);
    }

    /// <summary>Runs <paramref name="action"/> once the checkpoint being saved is on disk (at once when none is).</summary>
    private void AfterSave(Action action)
    {
        if (_savingSteps < 0)
        {
            action();
        }
        else
        {
            _afterSave = action;
        }
    }

    private void Saved(long steps, Exception? failure)
    {
        if (failure is not null)
        {
            _log.LogError("Could not save the checkpoint after step {Steps}: {Reason}", steps, failure.Message);
        }
        else
        {
            // Keep only the newest checkpoint.
            _snapshotStore!.Tell(new DeleteSnapshots(PersistenceId, new SnapshotSelectionCriteria(steps - 1)), Self);
            _run.ReportCheckpoint();
        }

        if (steps == _savingSteps)
        {
            _savingSteps = -1;
            var next = _afterSave;
            _afterSave = null;
            next?.Invoke();
        }
    }
}
