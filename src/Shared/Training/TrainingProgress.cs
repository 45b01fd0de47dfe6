using ShardedBackprop.Numerics;

namespace ShardedBackprop.Training;

/// <summary>
/// Where a run stands: the parameters, the epoch and batch about to be trained, and the loss so far.
/// Completing a step (SGD update, epoch bookkeeping) happens here and only here, for the reference
/// trainer and the distributed coordinator alike, so both walk through exactly the same states.
/// </summary>
public sealed class TrainingProgress
{
    private readonly TrainingSetup _setup;
    private readonly double[] _gradient;
    private readonly long[] _epochLoss = new long[ExactSum.Words];
    private readonly List<EpochSummary> _history = [];
    private int[] _order;

    public TrainingProgress(TrainingSetup setup)
    {
        // A fresh run starts at epoch 1, batch 0 (Restore continues one).
        _setup = setup;
        Parameters = (double[])setup.InitialParameters.Clone();
        _gradient = new double[setup.Network.ParameterCount];
        Epoch = 1;
        _order = setup.Plan.RowOrder(Epoch);
    }

    /// <summary>The parameters the current step starts from.</summary>
    public double[] Parameters { get; }

    /// <summary>The epoch being trained, 1-based; past the last epoch when finished.</summary>
    public int Epoch { get; private set; }

    /// <summary>The batch of the epoch being trained, 0-based.</summary>
    public int Batch { get; private set; }

    /// <summary>Steps completed so far, over all epochs.</summary>
    public long CompletedSteps { get; private set; }

    /// <summary>The number of the current step, 1-based over the whole run; messages carry it.</summary>
    public long Step => CompletedSteps + 1;

    public IReadOnlyList<EpochSummary> History => _history;

    public bool IsFinished => Epoch > _setup.Options.Epochs;

    /// <summary>The rows of the current batch, in the epoch's order.</summary>
    public ReadOnlySpan<int> BatchRows => _setup.Plan.BatchRows(_order, Batch);

    /// <summary>
    /// Completes the current step with the batch's exact sums: rounds the gradient, takes the SGD
    /// step and moves to the next batch. Returns the epoch's summary when this step ended an epoch.
    /// Throws <see cref="TrainingDivergedException"/>, leaving the parameters as they were, when the
    /// loss or a gradient is not finite.
    /// </summary>
    public EpochSummary? CompleteStep(GradientSum batchSum)
    {
        if (IsFinished)
        {
            throw new InvalidOperationException("training has already finished");
        }

        var loss = batchSum.RoundLoss();
        batchSum.RoundGradient(_gradient);
        ReferenceTrainer.CheckFinite(Epoch, Batch + 1, loss, _gradient);
        Sgd.Step(Parameters, _gradient, _setup.Options.LearningRate);
        ExactSum.AddTo(_epochLoss, batchSum.Words(batchSum.ParameterCount));
        ExactSum.Carry(_epochLoss);
        CompletedSteps++;
        Batch++;
        if (Batch < _setup.Plan.BatchesPerEpoch)
        {
            return null;
        }

        var summary = _setup.Summarize(Epoch, ExactSum.Round(_epochLoss), CompletedSteps);
        _history.Add(summary);
        Array.Clear(_epochLoss);
        Batch = 0;
        Epoch++;
        if (!IsFinished)
        {
            _order = _setup.Plan.RowOrder(Epoch);
        }

        return summary;
    }

    public TrainingResult ToResult() => new((double[])Parameters.Clone(), [.. _history], CompletedSteps);

    /// <summary>The state at this step boundary, with what was reported so far (one report per finished epoch).</summary>
    public TrainingCheckpoint ToCheckpoint(IReadOnlyDictionary<string, string> identity, IReadOnlyList<EpochReport> reports)
    {
        if (reports.Count != _history.Count)
        {
            throw new ArgumentException($"{reports.Count} epoch reports for {_history.Count} finished epochs", nameof(reports));
        }

        return new TrainingCheckpoint(identity, Epoch, Batch, CompletedSteps, (double[])Parameters.Clone(), (long[])_epochLoss.Clone(), [.. reports]);
    }

    /// <summary>Continues a run from <paramref name="checkpoint"/>, which must belong to <paramref name="setup"/>'s run.</summary>
    public static TrainingProgress Restore(TrainingSetup setup, TrainingCheckpoint checkpoint)
    {
        var progress = new TrainingProgress(setup);
        if (checkpoint.Parameters.Length != progress.Parameters.Length || checkpoint.EpochLoss.Length != progress._epochLoss.Length)
        {
            throw new ArgumentException("the checkpoint does not fit this network", nameof(checkpoint));
        }

        checkpoint.Parameters.CopyTo(progress.Parameters, 0);
        checkpoint.EpochLoss.CopyTo(progress._epochLoss, 0);
        progress._history.AddRange(checkpoint.Reports.Select(r => r.Summary));
        progress.Epoch = checkpoint.Epoch;
        progress.Batch = checkpoint.Batch;
        progress.CompletedSteps = checkpoint.CompletedSteps;
        if (!progress.IsFinished)
        {
            progress._order = setup.Plan.RowOrder(progress.Epoch);
        }

        return progress;
    }
}
