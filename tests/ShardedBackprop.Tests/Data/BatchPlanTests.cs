using ShardedBackprop.Data;

namespace ShardedBackprop.Tests.Data;

public sealed class BatchPlanTests
{
    private static int[][] Batches(BatchPlan plan, int epoch)
    {
        var order = plan.RowOrder(epoch);
        return [.. Enumerable.Range(0, plan.BatchesPerEpoch).Select(b => plan.BatchRows(order, b).ToArray())];
    }

    [Fact]
    public void Should_split_8_rows_into_4_batches_of_2_in_file_order()
    {
        // Act
        var plan = BatchPlan.WithBatchCount(8, 4);

        // Assert
        Assert.Equal(2, plan.BatchSize);
        Assert.Equal(4, plan.BatchesPerEpoch);
        Assert.False(plan.Shuffle);
        Assert.Equal([[0, 1], [2, 3], [4, 5], [6, 7]], Batches(plan, 1));
        Assert.Equal([[0, 1], [2, 3], [4, 5], [6, 7]], Batches(plan, 2));
    }

    [Fact]
    public void Should_round_the_batch_size_up_and_leave_a_smaller_last_batch()
    {
        // Act
        var plan = BatchPlan.WithBatchCount(10, 4);

        // Assert
        Assert.Equal(3, plan.BatchSize);
        Assert.Equal(4, plan.BatchesPerEpoch);
        Assert.Equal([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]], Batches(plan, 1));
    }

    [Fact]
    public void Should_cap_the_batch_size_at_the_number_of_rows()
    {
        // Act
        var plan = BatchPlan.WithBatchSize(5, 100);

        // Assert
        Assert.Equal(5, plan.BatchSize);
        Assert.Equal(1, plan.BatchesPerEpoch);
        Assert.Equal([[0, 1, 2, 3, 4]], Batches(plan, 1));
    }

    [Fact]
    public void Should_give_a_shuffled_row_order_that_is_a_permutation()
    {
        // Arrange
        var plan = BatchPlan.WithBatchCount(50, 4, shuffle: true, seed: 42);

        // Act
        var order = plan.RowOrder(1);

        // Assert
        Assert.Equal(Enumerable.Range(0, 50), order.Order());
        Assert.NotEqual(Enumerable.Range(0, 50), order);
    }

    [Fact]
    public void Should_cover_every_row_once_across_the_batches_of_a_shuffled_epoch()
    {
        // Arrange
        var plan = BatchPlan.WithBatchSize(10, 3, shuffle: true, seed: 7);

        // Act
        var batches = Batches(plan, 3);

        // Assert
        Assert.Equal([3, 3, 3, 1], batches.Select(b => b.Length));
        Assert.Equal(plan.RowOrder(3), batches.SelectMany(b => b));
        Assert.Equal(Enumerable.Range(0, 10), batches.SelectMany(b => b).Order());
    }

    [Fact]
    public void Should_shuffle_differently_in_different_epochs()
    {
        // Arrange
        var plan = BatchPlan.WithBatchCount(50, 4, shuffle: true, seed: 42);

        // Act
        var first = plan.RowOrder(1);
        var second = plan.RowOrder(2);

        // Assert
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Should_shuffle_the_same_way_for_the_same_seed_and_epoch()
    {
        // Arrange: two separate plans, as after a restart.
        var plan = BatchPlan.WithBatchCount(50, 4, shuffle: true, seed: 42);
        var again = BatchPlan.WithBatchCount(50, 4, shuffle: true, seed: 42);

        // Act
        var later = again.RowOrder(5);
        var first = plan.RowOrder(5);

        // Assert
        Assert.Equal(first, later);
        Assert.Equal(first, plan.RowOrder(5));
    }

    [Fact]
    public void Should_shuffle_differently_for_different_seeds()
    {
        // Arrange
        var a = BatchPlan.WithBatchCount(50, 4, shuffle: true, seed: 1);
        var b = BatchPlan.WithBatchCount(50, 4, shuffle: true, seed: 2);

        // Act
        var orderA = a.RowOrder(1);
        var orderB = b.RowOrder(1);

        // Assert
        Assert.NotEqual(orderA, orderB);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Should_reject_a_batch_size_that_is_not_positive(int batchSize)
    {
        // Act
        var e = Assert.Throws<InputException>(() => BatchPlan.WithBatchSize(8, batchSize));

        // Assert
        Assert.Equal($"--batch-size: must be a positive number of rows, got {batchSize}", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(9)]
    public void Should_reject_a_batch_count_outside_1_to_rows(int batches)
    {
        // Act
        var e = Assert.Throws<InputException>(() => BatchPlan.WithBatchCount(8, batches));

        // Assert
        Assert.Equal($"--batches: must be between 1 and the number of rows (8), got {batches}", e.Message);
    }

    [Fact]
    public void Should_accept_one_batch_per_row()
    {
        // Act
        var plan = BatchPlan.WithBatchCount(8, 8);

        // Assert
        Assert.Equal(1, plan.BatchSize);
        Assert.Equal(8, plan.BatchesPerEpoch);
    }
}
