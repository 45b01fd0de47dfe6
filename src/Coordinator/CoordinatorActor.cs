using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Microsoft.Extensions.Logging;
using ShardedBackprop.Hosting;
using ShardedBackprop.Protocol;
using ShardedBackprop.Training;

namespace ShardedBackprop.Coordinator;

/// <summary>
/// Owns the parameters and drives training. It finds workers through cluster membership, routes
/// every event into <see cref="TrainingState{TWorker}"/> and carries out the commands it returns.
/// </summary>
public sealed class CoordinatorActor : ReceiveActor, IWithTimers
{
    private const int MaxIdentifyAttempts = 50;
    private static readonly TimeSpan IdentifyRetry = TimeSpan.FromMilliseconds(200);

    private readonly TrainingState<IActorRef> _state;
    private readonly TrainingRun _run;
    private readonly ILogger _log;
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly Dictionary<IActorRef, Address> _workers = [];
    private readonly HashSet<Address> _upWorkers = [];
    private readonly Stopwatch _epochClock = new();

    public CoordinatorActor(TrainingRun run, ILogger log)
    {
        _run = run;
        _log = log;
        _state = new TrainingState<IActorRef>(run.Setup, run.MinWorkers, run.MaxChunkWords);

        Receive<ClusterEvent.MemberUp>(up =>
        {
            if (up.Member.HasRole(ClusterHosting.WorkerRole))
            {
                _upWorkers.Add(up.Member.Address);
                Identify(up.Member.Address, 1);
            }
        });
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
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(TrainingRun run, ILogger log) => Akka.Actor.Props.Create(() => new CoordinatorActor(run, log));

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.UnreachableMember));
        _log.LogInformation("Waiting for {MinWorkers} worker(s) to join {Address}", _run.MinWorkers, _cluster.SelfAddress);
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

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
        if (!_workers.TryAdd(worker, address))
        {
            return;
        }

        Context.Watch(worker);
        _log.LogInformation("Worker joined: {Address} ({Count} worker(s))", address, _workers.Count);
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
        _workers.Remove(worker);
        Context.Unwatch(worker);
        if (_state.IsFinished)
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
        try
        {
            commands = transition();
        }
        catch (TrainingDivergedException e)
        {
            _log.LogError("{Message}", e.Message);
            foreach (var worker in _workers.Keys)
            {
                worker.Tell(TrainingFinished.Instance);
            }

            _run.Completion.TrySetException(e);
            Context.Stop(Self);
            return;
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
                case CoordinatorCommand<IActorRef>.Finished finished:
                    _run.Completion.TrySetResult(finished.Result);
                    break;
            }
        }
    }

    /// <summary>
    /// A worker actor to train with. Membership events lead here (a worker node is up, its actor
    /// identified); tests send it directly with probes as workers.
    /// </summary>
    public sealed record WorkerFound(IActorRef Worker);

    /// <summary>Asks a worker node for its worker actor; <see cref="Attempt"/> counts retries.</summary>
    private sealed record IdentifyWorker(Address Address, int Attempt);
}
