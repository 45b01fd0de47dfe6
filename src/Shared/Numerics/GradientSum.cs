namespace ShardedBackprop.Numerics;

/// <summary>
/// The exact running sums of one batch (or part of a batch): the gradient sum_i dL_i/dtheta, one
/// accumulator per parameter, and the sum of squared errors. See <see cref="ExactSum"/> for why the
/// sums are exact: any split of the rows, combined in any order, rounds to the same bits.
/// </summary>
public sealed class GradientSum
{
    // [ParameterCount + 1, ExactSum.Words] row-major: one accumulator per parameter, then the loss's.
    private readonly long[] _words;
    private long _addsSinceCarry;

    public GradientSum(int parameterCount)
    {
        ParameterCount = parameterCount;
        _words = new long[(parameterCount + 1) * ExactSum.Words];
    }

    public int ParameterCount { get; }

    /// <summary>Rows added so far (including rows of merged parts).</summary>
    public int Rows { get; private set; }

    private Span<long> Accumulator(int index) => _words.AsSpan(index * ExactSum.Words, ExactSum.Words);

    /// <summary>Adds one row's gradient terms and its squared errors.</summary>
    public void AddRow(ReadOnlySpan<double> rowGradient, ReadOnlySpan<double> squaredErrors)
    {
        if (rowGradient.Length != ParameterCount)
        {
            throw new ArgumentException($"expected {ParameterCount} gradient terms, got {rowGradient.Length}", nameof(rowGradient));
        }

        // The loss accumulator takes one addition per output, the others one per row.
        ReserveAdds(Math.Max(1, squaredErrors.Length));
        for (var k = 0; k < rowGradient.Length; k++)
        {
            ExactSum.Add(Accumulator(k), rowGradient[k]);
        }

        var loss = Accumulator(ParameterCount);
        foreach (var e in squaredErrors)
        {
            ExactSum.Add(loss, e);
        }

        Rows++;
    }

    /// <summary>Adds another partial sum into this one, exactly.</summary>
    public void Add(GradientSum other)
    {
        if (other.ParameterCount != ParameterCount)
        {
            throw new ArgumentException($"cannot combine sums of {other.ParameterCount} and {ParameterCount} parameters", nameof(other));
        }

        other.CarryAll();
        CarryAll();
        for (var k = 0; k <= ParameterCount; k++)
        {
            ExactSum.AddTo(Accumulator(k), other.Accumulator(k));
        }

        // Two carried accumulators sum to at most one pending carry per digit.
        _addsSinceCarry = 2;
        Rows += other.Rows;
    }

    public void Clear()
    {
        Array.Clear(_words);
        _addsSinceCarry = 0;
        Rows = 0;
    }

    /// <summary>The batch gradient: each parameter's exact sum rounded to the nearest double.</summary>
    public void RoundGradient(Span<double> gradient)
    {
        for (var k = 0; k < ParameterCount; k++)
        {
            gradient[k] = ExactSum.Round(Accumulator(k));
        }
    }

    public double[] RoundGradient()
    {
        var gradient = new double[ParameterCount];
        RoundGradient(gradient);
        return gradient;
    }

    /// <summary>The sum of squared errors, rounded once.</summary>
    public double RoundLoss() => ExactSum.Round(Accumulator(ParameterCount));

    /// <summary>Propagates every pending carry, leaving balanced digits (see <see cref="ExactSum.Carry"/>).</summary>
    public void CarryAll()
    {
        if (_addsSinceCarry == 0)
        {
            return;
        }

        for (var k = 0; k <= ParameterCount; k++)
        {
            ExactSum.Carry(Accumulator(k));
        }

        _addsSinceCarry = 0;
    }

    private void ReserveAdds(int adds)
    {
        if (_addsSinceCarry + adds >= ExactSum.AddsBeforeCarry)
        {
            CarryAll();
        }

        _addsSinceCarry += adds;
    }

    /// <summary>The raw words of accumulator <paramref name="index"/> (the loss is index <see cref="ParameterCount"/>), after carrying.</summary>
    public ReadOnlySpan<long> Words(int index)
    {
        CarryAll();
        return Accumulator(index);
    }

    /// <summary>Overwrites accumulator <paramref name="index"/> with <paramref name="words"/>; used to rebuild a sum received over the wire.</summary>
    public void SetWords(int index, ReadOnlySpan<long> words, int rows)
    {
        words.CopyTo(Accumulator(index));
        _addsSinceCarry = Math.Max(_addsSinceCarry, 2);
        Rows = rows;
    }
}
