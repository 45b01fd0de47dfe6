using System.Numerics;
using System.Runtime.CompilerServices;

namespace ShardedBackprop.Numerics;

/// <summary>
/// Exact summation of doubles: the canonical reduction behind every gradient and loss.
/// </summary>
/// <remarks>
/// <para>
/// Floating-point addition is not associative, so a sum computed as "each worker adds its rows,
/// then the coordinator adds the parts" depends on how the rows were split and in which order
/// the parts arrived. To make the batch gradient independent of both, every per-row term is
/// added <em>exactly</em> into a fixed-point integer wide enough for the whole double range
/// (a superaccumulator), and the total is rounded to the nearest double (ties to even) once,
/// at the end. Integer addition is associative and commutative, so any split of the rows into
/// parts, summed in any order and combined in any order, yields the same integer and hence the
/// same bits. As a bonus the result is the correctly rounded sum, more accurate than a plain loop.
/// </para>
/// <para>
/// Representation: every finite double is an integer multiple of 2^-1074. The accumulator holds
/// that integer in <see cref="Limbs"/> base-2^32 digits stored in signed 64-bit words, digit k
/// weighing 2^(32k - 1074). Adding a double splits its 53-bit significand over at most three
/// digits; carries are left pending in the spare high bits of each word and are propagated only
/// after 2^30 additions (or before rounding), so an addition costs three integer adds.
/// Infinities and NaNs are counted aside and decide the result as IEEE addition would.
/// </para>
/// <para>
/// The accumulator is a span of <see cref="Limbs"/> words so that many of them (one per
/// parameter) can live in one flat array; the methods here are static and operate on such spans.
/// </para>
/// </remarks>
public static class ExactSum
{
    /// <summary>Words per accumulator: 66 digits cover 2^-1074 .. 2^1038, one more absorbs carries.</summary>
    public const int Limbs = 67;

    /// <summary>Additions an accumulator may take between carry propagations without overflow.</summary>
    public const long AddsBeforeCarry = 1L << 30;

    /// <summary>Extra words after the digits: flags for +inf, -inf and NaN terms.</summary>
    public const int FlagWords = 1;

    /// <summary>Total words one accumulator occupies in a flat buffer.</summary>
    public const int Words = Limbs + FlagWords;

    private const long DigitMask = 0xFFFF_FFFFL;
    private const long PositiveInfinityFlag = 1;
    private const long NegativeInfinityFlag = 2;
    private const long NaNFlag = 4;

    /// <summary>Adds <paramref name="value"/> exactly to the accumulator <paramref name="acc"/> (length <see cref="Words"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(Span<long> acc, double value)
    {
        var bits = BitConverter.DoubleToInt64Bits(value);
        var biasedExponent = (int)((bits >> 52) & 0x7FF);
        var fraction = (ulong)bits & 0x000F_FFFF_FFFF_FFFFUL;
        if (biasedExponent == 0x7FF)
        {
            acc[Limbs] |= fraction != 0 ? NaNFlag : bits < 0 ? NegativeInfinityFlag : PositiveInfinityFlag;
            return;
        }

        // value = significand * 2^(position - 1074); subnormals have no hidden bit.
        ulong significand;
        int position;
        if (biasedExponent == 0)
        {
            if (fraction == 0)
            {
                return;
            }

            significand = fraction;
            position = 0;
        }
        else
        {
            significand = fraction | (1UL << 52);
            position = biasedExponent - 1;
        }

        var digit = position >> 5;
        var shift = position & 31;
        var low = (long)((significand << shift) & DigitMask);
        var middle = (long)((significand >> (32 - shift)) & DigitMask);
        // Two shifts so that shift == 0 yields 0 rather than a shift by 64 (which C# masks to 0).
        var high = (long)((significand >> 32) >> (32 - shift));
        if (bits < 0)
        {
            acc[digit] -= low;
            acc[digit + 1] -= middle;
            acc[digit + 2] -= high;
        }
        else
        {
            acc[digit] += low;
            acc[digit + 1] += middle;
            acc[digit + 2] += high;
        }
    }

    /// <summary>Adds accumulator <paramref name="source"/> into <paramref name="target"/> exactly.</summary>
    /// <remarks>Both must have had their carries propagated, or have taken few enough additions that the sum of their pending carries fits.</remarks>
    public static void AddTo(Span<long> target, ReadOnlySpan<long> source)
    {
        for (var k = 0; k < Limbs; k++)
        {
            target[k] += source[k];
        }

        target[Limbs] |= source[Limbs];
    }

    /// <summary>
    /// Propagates pending carries so that digits 0..Limbs-2 lie in [-2^31, 2^31). Balanced digits keep a
    /// small negative sum as sparse as a small positive one, which keeps the wire form short.
    /// </summary>
    public static void Carry(Span<long> acc)
    {
        for (var k = 0; k < Limbs - 1; k++)
        {
            var carry = (acc[k] + (1L << 31)) >> 32; // arithmetic shift: floor division
            acc[k] -= carry << 32;
            acc[k + 1] += carry;
        }
    }

    /// <summary>Propagates carries so that digits 0..Limbs-2 lie in [0, 2^32); the top word keeps the sign.</summary>
    private static void CarryUnsigned(Span<long> digits)
    {
        for (var k = 0; k < Limbs - 1; k++)
        {
            var carry = digits[k] >> 32;
            digits[k] -= carry << 32;
            digits[k + 1] += carry;
        }
    }

    /// <summary>The exact sum rounded to the nearest double, ties to even; overflow gives an infinity.</summary>
    /// <remarks>Does not change <paramref name="acc"/>.</remarks>
    public static double Round(ReadOnlySpan<long> acc)
    {
        var flags = acc[Limbs];
        if ((flags & NaNFlag) != 0 || flags == (PositiveInfinityFlag | NegativeInfinityFlag))
        {
            return double.NaN;
        }

        if (flags == PositiveInfinityFlag)
        {
            return double.PositiveInfinity;
        }

        if (flags == NegativeInfinityFlag)
        {
            return double.NegativeInfinity;
        }

        Span<long> digits = stackalloc long[Limbs];
        acc[..Limbs].CopyTo(digits);
        CarryUnsigned(digits);
        var negative = digits[Limbs - 1] < 0;
        if (negative)
        {
            for (var k = 0; k < Limbs; k++)
            {
                digits[k] = -digits[k];
            }

            CarryUnsigned(digits);
        }

        var top = Limbs - 1;
        while (top >= 0 && digits[top] == 0)
        {
            top--;
        }

        if (top < 0)
        {
            return 0.0;
        }

        if (digits[top] > DigitMask)
        {
            // Only the carry word can exceed a digit, and it starts at 2^1038: beyond double range.
            return negative ? double.NegativeInfinity : double.PositiveInfinity;
        }

        var topBit = 32 * top + 63 - BitOperations.LeadingZeroCount((ulong)digits[top]);
        if (topBit < 53)
        {
            // At most 53 significant bits: the integer times 2^-1074 is exactly representable.
            var small = ((ulong)Digit(digits, 1) << 32) | (ulong)digits[0];
            var exact = Math.ScaleB((double)small, -1074);
            return negative ? -exact : exact;
        }

        // The top 96 bits of the integer: digits top, top-1, top-2 (missing digits are zero);
        // window bit j is bit j + 32 * (top - 2) of the integer.
        var window = ((UInt128)(ulong)digits[top] << 64)
            | ((UInt128)(ulong)Digit(digits, top - 1) << 32)
            | (ulong)Digit(digits, top - 2);
        var topBitInWindow = 64 + 63 - BitOperations.LeadingZeroCount((ulong)digits[top]);
        var dropped = topBitInWindow - 52;
        var significand = (ulong)(window >> dropped);
        var roundBit = (ulong)(window >> (dropped - 1)) & 1;
        var sticky = (window & ((UInt128.One << (dropped - 1)) - 1)) != 0;
        for (var k = top - 3; k >= 0 && !sticky; k--)
        {
            sticky = digits[k] != 0;
        }

        if (roundBit == 1 && (sticky || (significand & 1) == 1))
        {
            significand++;
        }

        // A carry out of the significand (2^53) is still exact in a double; ScaleB handles overflow.
        var magnitude = Math.ScaleB((double)significand, topBit - 52 - 1074);

        return negative ? -magnitude : magnitude;
    }

    private static long Digit(ReadOnlySpan<long> digits, int k) => k >= 0 ? digits[k] : 0;
}
