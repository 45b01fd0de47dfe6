using ShardedBackprop.Numerics;

namespace ShardedBackprop.Data;

/// <summary>
/// How an epoch's rows fall into mini-batches: consecutive runs of <see cref="BatchSize"/> rows of
/// the epoch's row order (the last batch may be smaller). The order is the file's row order, or
/// with <see cref="Shuffle"/> a permutation drawn from (seed, epoch) alone, so any epoch's order
/// can be recomputed, e.g. after a restart.
/// </summary>
public sealed record BatchPlan(int Rows, int BatchSize, bool Shuffle, ulong Seed)
{
    /// <summary>A plan with a fixed batch size.</summary>
    public static BatchPlan WithBatchSize(int rows, int batchSize, bool shuffle = false, ulong seed = 0)
    {
        if (rows <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), "there are no rows to batch");
        }

        if (batchSize <= 0)
        {
            throw new InputException($"--batch-size: must be a positive number of rows, got {batchSize}");
        }

        return new BatchPlan(rows, Math.Min(batchSize, rows), shuffle, seed);
    }

    /// <summary>
    /// A plan from a number of batches K: batch size = ceil(rows / K), as in SEED.md (8 rows, 4 batches:
    /// 2 rows each). When K does not divide the rows, this can give fewer than K batches (9 rows, K = 4:
    /// batches of 3, 3 and 3): the batch size is what the plan keeps fixed.
    /// </summary>
    public static BatchPlan WithBatchCount(int rows, int batches, bool shuffle = false, ulong seed = 0)
    {
        if (batches <= 0 || batches > rows)
        {
            throw new InputException($"--batches: must be between 1 and the number of rows ({rows}), got {batches}");
        }

        return WithBatchSize(rows, (rows + batches - 1) / batches, shuffle, seed);
    }

    public int BatchesPerEpoch => (Rows + BatchSize - 1) / BatchSize;

    /// <summary>The row order of epoch <paramref name="epoch"/> (1-based).</summary>
    public int[] RowOrder(int epoch)
    {
        var order = new int[Rows];
        for (var r = 0; r < Rows; r++)
        {
            order[r] = r;
        }

        if (Shuffle)
        {
            // Fisher-Yates with a stream of its own per epoch.
            var random = SplitMix64.ForStream(Seed, (ulong)epoch);
            for (var r = Rows - 1; r > 0; r--)
            {
                var s = random.NextInt(r + 1);
                (order[r], order[s]) = (order[s], order[r]);
            }
        }

        return order;
    }

    /// <summary>The rows of batch <paramref name="batch"/> (0-based) within an epoch's <paramref name="order"/>.</summary>
    public ReadOnlySpan<int> BatchRows(int[] order, int batch)
    {
        var start = batch * BatchSize;
        return order.AsSpan(start, Math.Min(BatchSize, Rows - start));
    }
}
