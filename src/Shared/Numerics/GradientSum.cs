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

    /// <summary>Number of accumulators: one per parameter, then the loss.</summary>
    public int AccumulatorCount => ParameterCount + 1;

    /// <summary>
    /// Packs accumulators [<paramref name="first"/>, <paramref name="first"/> + count) into a compact
    /// array, as many as fit in <paramref name="maxWords"/> words (at least one). Each accumulator is a
    /// header word (lowest non-zero digit | digit count &lt;&lt; 8 | flags &lt;&lt; 16) followed by its non-zero
    /// digit range: balanced digits keep that range a few words wide for ordinary values.
    /// </summary>
    /// <returns>The packed words and how many accumulators they hold.</returns>
    public (long[] Packed, int Count) Pack(int first, int maxWords)
    {
        CarryAll();
        var packed = new List<long>();
        var k = first;
        for (; k < AccumulatorCount; k++)
        {
            var acc = Accumulator(k);
            var digits = acc[..ExactSum.Limbs];
            var low = digits.IndexOfAnyExcept(0L);
            var high = digits.LastIndexOfAnyExcept(0L);
            var length = low < 0 ? 0 : high - low + 1;
            if (k > first && packed.Count + 1 + length > maxWords)
            {
                break;
            }

            packed.Add((uint)System.Math.Max(low, 0) | ((long)length << 8) | (acc[ExactSum.Limbs] << 16));
            for (var d = 0; d < length; d++)
            {
                packed.Add(digits[low + d]);
            }
        }

        return ([.. packed], k - first);
    }

    /// <summary>
    /// Adds packed accumulators [<paramref name="first"/>, <paramref name="first"/> + <paramref name="count"/>)
    /// into this sum exactly. <paramref name="rows"/> is added to <see cref="Rows"/>; pass 0 for all
    /// chunks of a part but one.
    /// </summary>
    public void AddPacked(int first, int count, ReadOnlySpan<long> packed, int rows)
    {
        if (first < 0 || count < 0 || first + count > AccumulatorCount)
        {
            throw new ArgumentException($"accumulators [{first}, {first + count}) are outside [0, {AccumulatorCount})");
        }

        // Packed digits are balanced (|digit| <= 2^31): one such add per carry slot.
        ReserveAdds(2);
        var position = 0;
        for (var k = first; k < first + count; k++)
        {
            var header = packed[position++];
            var low = (int)(header & 0xFF);
            var length = (int)((header >> 8) & 0xFF);
            var acc = Accumulator(k);
            for (var d = 0; d < length; d++)
            {
                acc[low + d] += packed[position++];
            }

            acc[ExactSum.Limbs] |= header >> 16;
        }

        if (position != packed.Length)
        {
            throw new ArgumentException($"packed data has {packed.Length} words, {count} accumulators used {position}");
        }

        Rows += rows;
    }

    /// <summary>The raw words of accumulator <paramref name="index"/> (the loss is index <see cref="ParameterCount"/>), after carrying.</summary>
    public ReadOnlySpan<long> Words(int index)
    {
        CarryAll();
        return Accumulator(index);
    }
}
