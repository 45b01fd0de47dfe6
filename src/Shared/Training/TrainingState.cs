using ShardedBackprop.Numerics;
using ShardedBackprop.Protocol;

namespace ShardedBackprop.Training;

/// <summary>What the coordinator must do after a transition of <see cref="TrainingState{TWorker}"/>.</summary>
public abstract record CoordinatorCommand<TWorker>
{
    public sealed record Send(TWorker To, ITrainingMessage Message) : CoordinatorCommand<TWorker>;

    public sealed record EpochCompleted(EpochSummary Summary) : CoordinatorCommand<TWorker>;

    public sealed record Finished(TrainingResult Result) : CoordinatorCommand<TWorker>;

    /// <summary>Save a checkpoint of <see cref="TrainingState{TWorker}.Progress"/> now: a step boundary worth keeping.</summary>
    public sealed record Checkpoint : CoordinatorCommand<TWorker>;

    /// <summary>A stop was requested and the step in flight has completed (or none was): no further step starts.</summary>
    public sealed record Stopped(long CompletedSteps) : CoordinatorCommand<TWorker>;
}

/// <summary>
/// The coordinator's state, free of actors, clocks and I/O: the workers it knows, the current
/// step's shards (which rows, sent to whom, which sums arrived) and the training progress. Each
/// transition returns the commands the actor must carry out.
/// </summary>
/// <remarks>
/// Bit-identity rests on two facts: every step completes through <see cref="TrainingProgress"/>,
/// exactly as in the reference trainer, and the batch's sums are exact, so it does not matter how
/// the rows were split, which worker computed them, or in what order the replies came.
/// </remarks>
public sealed class TrainingState<TWorker>
    where TWorker : notnull
{
    private readonly TrainingSetup _setup;
    private readonly int _minWorkers;
    private readonly int _checkpointEvery;
    private readonly int _maxChunkWords;
    private readonly List<TWorker> _workers = [];
    private readonly GradientSum _batchSum;
    private readonly List<Shard> _shards = [];
    private int _nextWorker;

    /// <param name="setup">The run.</param>
    /// <param name="minWorkers">Workers to wait for before the first step.</param>
    /// <param name="maxChunkWords">Most packed words a worker puts in one reply.</param>
    /// <param name="checkpointEvery">Ask for a checkpoint every this many steps (and at each epoch's end); 0 for never.</param>
    /// <param name="progress">Where to start: a restored checkpoint, or null for the beginning.</param>
    public TrainingState(TrainingSetup setup, int minWorkers, int maxChunkWords, int checkpointEvery = 0, TrainingProgress? progress = null)
    {
        _setup = setup;
        _minWorkers = System.Math.Max(1, minWorkers);
        _maxChunkWords = maxChunkWords;
        _checkpointEvery = checkpointEvery;
        _batchSum = new GradientSum(setup.Network.ParameterCount);
        Progress = progress ?? new TrainingProgress(setup);
    }

    /// <summary>Whether a stop was requested; no step starts after it.</summary>
    public bool StopRequested { get; private set; }

    public TrainingProgress Progress { get; }

    public IReadOnlyList<TWorker> Workers => _workers;

    /// <summary>Whether the first step has been sent out.</summary>
    public bool Started { get; private set; }

    public bool IsFinished => Progress.IsFinished;

    /// <summary>Shards of the current step that are not complete yet.</summary>
    public int OutstandingShards => _shards.Count(s => !s.Done);

    /// <summary>A worker became available: give it the network and the current parameters, and work if any waits.</summary>
    public IReadOnlyList<CoordinatorCommand<TWorker>> WorkerJoined(TWorker worker)
    {
        var commands = new List<CoordinatorCommand<TWorker>>();
        if (_workers.Contains(worker) || IsFinished || StopRequested)
        {
            return commands;
        }

        _workers.Add(worker);
        commands.Add(Send(worker, new NetworkSpec([.. _setup.Shape.LayerSizes], _setup.Network.HiddenActivation, _maxChunkWords)));
        if (!Started)
        {
            if (_workers.Count >= _minWorkers)
            {
                Started = true;
                StartStep(commands);
            }

            return commands;
        }

        commands.Add(Send(worker, new Parameters(Progress.Step, (double[])Progress.Parameters.Clone())));
        AssignUnassigned(commands);
        return commands;
    }

    /// <summary>A worker is gone (left, removed or unreachable): its unfinished shards go to the others, or wait for one to join.</summary>
    public IReadOnlyList<CoordinatorCommand<TWorker>> WorkerLeft(TWorker worker)
    {
        var commands = new List<CoordinatorCommand<TWorker>>();
        if (!_workers.Remove(worker))
        {
            return commands;
        }

        foreach (var shard in _shards.Where(s => !s.Done && Equals(s.Assignee, worker)))
        {
            shard.Assignee = default;
            shard.HasAssignee = false;
        }

        AssignUnassigned(commands);
        StopIfIdle(commands);
        return commands;
    }

    /// <summary>
    /// Part of a shard's sums arrived. A chunk of another step, of a finished shard, or already
    /// received (a duplicate from a re-sent shard) is ignored: the first reply wins.
    /// </summary>
    public IReadOnlyList<CoordinatorCommand<TWorker>> ChunkReceived(GradientChunk chunk)
    {
        var commands = new List<CoordinatorCommand<TWorker>>();
        if (IsFinished || chunk.Step != Progress.Step || chunk.Shard < 0 || chunk.Shard >= _shards.Count)
        {
            return commands;
        }

        var shard = _shards[chunk.Shard];
        if (shard.Done || chunk.Rows != shard.Message.Rows || !shard.ChunksReceived.Add(chunk.First))
        {
            return commands;
        }

        // Rows are counted once per shard, with its first chunk.
        _batchSum.AddPacked(chunk.First, chunk.Count, chunk.Packed, chunk.First == 0 ? chunk.Rows : 0);
        shard.AccumulatorsReceived += chunk.Count;
        if (_shards.All(s => s.Done))
        {
            CompleteStep(commands);
        }

        return commands;
    }

    /// <summary>
    /// The current step has waited too long: send each unfinished shard again to another worker
    /// (or the same, when it is the only one). Whichever reply comes first is used.
    /// </summary>
    public IReadOnlyList<CoordinatorCommand<TWorker>> ResendOutstanding()
    {
        var commands = new List<CoordinatorCommand<TWorker>>();
        if (!Started || IsFinished || _workers.Count == 0)
        {
            return commands;
        }

        foreach (var shard in _shards.Where(s => !s.Done))
        {
            var others = _workers.Where(w => !shard.HasAssignee || !Equals(w, shard.Assignee)).ToList();
            var target = others.Count > 0 ? others[_nextWorker++ % others.Count] : _workers[0];
            shard.Assignee = target;
            shard.HasAssignee = true;
            ResentShards++;
            ResentRows += shard.Message.Rows;
            commands.Add(Send(target, shard.Message));
        }

        return commands;
    }

    /// <summary>
    /// Stop after the step in flight: once it completes (at once when none is in flight) a checkpoint
    /// is due and no further step starts.
    /// </summary>
    public IReadOnlyList<CoordinatorCommand<TWorker>> RequestStop()
    {
        var commands = new List<CoordinatorCommand<TWorker>>();
        if (StopRequested || IsFinished)
        {
            return commands;
        }

        StopRequested = true;
        StopIfIdle(commands);
        return commands;
    }

    /// <summary>After a stop request: stop now unless a step is in flight with workers to finish it.</summary>
    private void StopIfIdle(List<CoordinatorCommand<TWorker>> commands)
    {
        if (StopRequested && (!Started || _shards.Count == 0 || _workers.Count == 0))
        {
            _shards.Clear();
            commands.Add(new CoordinatorCommand<TWorker>.Checkpoint());
            commands.Add(new CoordinatorCommand<TWorker>.Stopped(Progress.CompletedSteps));
        }
    }

    /// <summary>How many shards have been sent again since the run began (for metrics and logs).</summary>
    public long ResentShards { get; private set; }

    /// <summary>How many rows have been sent again (lost or slow workers' shards) since the run began.</summary>
    public long ResentRows { get; private set; }

    private void CompleteStep(List<CoordinatorCommand<TWorker>> commands)
    {
        var summary = Progress.CompleteStep(_batchSum);
        if (summary is not null)
        {
            commands.Add(new CoordinatorCommand<TWorker>.EpochCompleted(summary));
        }

        var checkpointDue = summary is not null || IsFinished || StopRequested
            || (_checkpointEvery > 0 && Progress.CompletedSteps % _checkpointEvery == 0);
        if (checkpointDue)
        {
            commands.Add(new CoordinatorCommand<TWorker>.Checkpoint());
        }

        if (IsFinished)
        {
            _shards.Clear();
            commands.AddRange(_workers.Select(w => Send(w, TrainingFinished.Instance)));
            commands.Add(new CoordinatorCommand<TWorker>.Finished(Progress.ToResult()));
            return;
        }

        if (StopRequested)
        {
            _shards.Clear();
            commands.Add(new CoordinatorCommand<TWorker>.Stopped(Progress.CompletedSteps));
            return;
        }

        StartStep(commands);
    }

    /// <summary>Broadcasts the parameters, then splits the batch into one contiguous shard per worker (at most one per row).</summary>
    private void StartStep(List<CoordinatorCommand<TWorker>> commands)
    {
        _batchSum.Clear();
        _shards.Clear();
        var step = Progress.Step;
        var parameters = new Parameters(step, (double[])Progress.Parameters.Clone());
        commands.AddRange(_workers.Select(w => Send(w, parameters)));

        var rows = Progress.BatchRows;
        var parts = System.Math.Max(1, System.Math.Min(_workers.Count, rows.Length));
        var start = 0;
        for (var p = 0; p < parts; p++)
        {
            var length = (rows.Length / parts) + (p < rows.Length % parts ? 1 : 0);
            var (features, targets) = _setup.GatherRows(rows.Slice(start, length));
            _shards.Add(new Shard(new ComputeGradient(step, p, length, features, targets), _batchSum.AccumulatorCount));
            start += length;
        }

        AssignUnassigned(commands);
    }

    private void AssignUnassigned(List<CoordinatorCommand<TWorker>> commands)
    {
        if (_workers.Count == 0)
        {
            return;
        }

        foreach (var shard in _shards.Where(s => !s.Done && !s.HasAssignee))
        {
            if (shard.EverAssigned)
            {
                ResentRows += shard.Message.Rows;
            }

            shard.EverAssigned = true;
            var worker = _workers[_nextWorker++ % _workers.Count];
            shard.Assignee = worker;
            shard.HasAssignee = true;
            commands.Add(Send(worker, shard.Message));
        }
    }

    private static CoordinatorCommand<TWorker> Send(TWorker to, ITrainingMessage message) => new CoordinatorCommand<TWorker>.Send(to, message);

    private sealed class Shard(ComputeGradient message, int accumulators)
    {
        public ComputeGradient Message { get; } = message;

        public TWorker? Assignee { get; set; }

        public bool HasAssignee { get; set; }

        public bool EverAssigned { get; set; }

        public HashSet<int> ChunksReceived { get; } = [];

        public int AccumulatorsReceived { get; set; }

        public bool Done => AccumulatorsReceived == accumulators;
    }
}
