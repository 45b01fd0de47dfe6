using System.Numerics;
using ShardedBackprop.Numerics;

namespace ShardedBackprop.Tests.Numerics;

public sealed class ExactSumTests
{
    [Fact]
    public void Should_keep_what_plain_addition_loses_to_cancellation()
    {
        Assert.Equal(1.0, Sum(1e100, 1.0, -1e100));
        Assert.Equal(0.0, (1e100 + 1.0) - 1e100); // the plain sum the exact one improves on
        Assert.Equal(5e-324, Sum(double.MaxValue, 5e-324, -double.MaxValue));
        Assert.Equal(-3.0, Sum(-1.0, -2.0));
        Assert.Equal(0.0, Sum());
    }

    [Fact]
    public void Should_round_to_nearest_with_ties_to_even()
    {
        // 1 + 2^-53 is halfway between 1 and its successor: ties go to the even significand, 1.
        Assert.Equal(1.0, Sum(1.0, Math.ScaleB(1, -53)));
        // A hair above halfway rounds up.
        Assert.Equal(1.0 + Math.ScaleB(1, -52), Sum(1.0, Math.ScaleB(1, -53), Math.ScaleB(1, -100)));
        // 1 + 3 * 2^-53 is halfway between 1 + 2^-52 (odd) and 1 + 2^-51 (even).
        Assert.Equal(1.0 + Math.ScaleB(1, -51), Sum(1.0, 3 * Math.ScaleB(1, -53)));
    }

    [Fact]
    public void Should_overflow_to_infinity_and_carry_non_finite_terms()
    {
        Assert.Equal(double.PositiveInfinity, Sum(double.MaxValue, double.MaxValue));
        Assert.Equal(double.NegativeInfinity, Sum(-double.MaxValue, -double.MaxValue));
        Assert.Equal(double.MaxValue, Sum(double.MaxValue, double.MaxValue, -double.MaxValue));
        Assert.Equal(double.PositiveInfinity, Sum(1.0, double.PositiveInfinity));
        Assert.True(double.IsNaN(Sum(double.PositiveInfinity, double.NegativeInfinity)));
        Assert.True(double.IsNaN(Sum(1.0, double.NaN)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Should_equal_an_independent_big_integer_sum_for_random_values(int seed)
    {
        var random = new Random(seed);
        for (var trial = 0; trial < 200; trial++)
        {
            var values = Enumerable.Range(0, random.Next(1, 40)).Select(_ => RandomDouble(random)).ToArray();
            Assert.Equal(BigIntegerReference(values), Sum(values));
        }
    }

    [Fact]
    public void Should_give_the_same_bits_for_any_order_and_grouping()
    {
        var random = new Random(9);
        var values = Enumerable.Range(0, 500).Select(_ => RandomDouble(random)).ToArray();
        var expected = Sum(values);
        var left = new long[ExactSum.Words];
        var right = new long[ExactSum.Words];
        for (var trial = 0; trial < 20; trial++)
        {
            random.Shuffle(values);
            var cut = random.Next(values.Length);
            left.AsSpan().Clear();
            right.AsSpan().Clear();
            foreach (var v in values.AsSpan(0, cut))
            {
                ExactSum.Add(left, v);
            }

            foreach (var v in values.AsSpan(cut))
            {
                ExactSum.Add(right, v);
            }

            ExactSum.Carry(left);
            ExactSum.Carry(right);
            ExactSum.AddTo(right, left);
            Assert.Equal(expected, ExactSum.Round(right));
        }
    }

    private static double Sum(params double[] values)
    {
        Span<long> acc = stackalloc long[ExactSum.Words];
        acc.Clear();
        foreach (var v in values)
        {
            ExactSum.Add(acc, v);
        }

        return ExactSum.Round(acc);
    }

    /// <summary>Values over the whole range: ordinary, huge, tiny, subnormal, and cancelling pairs.</summary>
    private static double RandomDouble(Random random)
    {
        var significand = (random.NextDouble() * 2) - 1;
        return random.Next(5) switch
        {
            0 => significand,
            1 => Math.ScaleB(significand, random.Next(-1074, 1023)),
            2 => Math.ScaleB(significand, random.Next(-60, 60)),
            3 => Math.ScaleB(significand, -1070),
            _ => Math.ScaleB(significand, random.Next(900, 1000)),
        };
    }

    /// <summary>The exact sum as a big integer in units of 2^-1074, rounded to nearest-even by hand.</summary>
    private static double BigIntegerReference(double[] values)
    {
        var total = BigInteger.Zero;
        foreach (var v in values)
        {
            var bits = BitConverter.DoubleToInt64Bits(v);
            var exponent = (int)((bits >> 52) & 0x7FF);
            var fraction = bits & ((1L << 52) - 1);
            var units = exponent == 0 ? new BigInteger(fraction) : new BigInteger(fraction | (1L << 52)) << (exponent - 1);
            total += v < 0 ? -units : units;
        }

        var negative = total.Sign < 0;
        var magnitude = BigInteger.Abs(total);
        var length = (int)magnitude.GetBitLength();
        double result;
        if (length <= 53)
        {
            result = Math.ScaleB((double)(long)magnitude, -1074);
        }
        else
        {
            var shift = length - 53;
            var kept = magnitude >> shift;
            var rest = magnitude - (kept << shift);
            var half = BigInteger.One << (shift - 1);
            if (rest > half || (rest == half && !kept.IsEven))
            {
                kept += 1;
            }

            result = Math.ScaleB((double)(long)kept, shift - 1074);
        }

        return negative ? -result : result;
    }
}
