using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Serialization;
using ShardedBackprop.Protocol;

namespace ShardedBackprop.Serialization;

/// <summary>
/// Raw binary form of the protocol's big messages (parameters, rows, gradient sums): a few
/// little-endian header fields, then the arrays copied as bytes. About three times faster than
/// Hyperion on large arrays (see bench/); the small messages stay with Hyperion.
/// </summary>
public sealed class TrainingMessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int Id = 482_002;
    private const string ParametersManifest = "P";
    private const string ComputeGradientManifest = "C";
    private const string GradientChunkManifest = "G";

    public override int Identifier => Id;

    /// <summary>The messages this serializer is bound to.</summary>
    public static readonly Type[] BoundTypes = [typeof(Parameters), typeof(ComputeGradient), typeof(GradientChunk)];

    public override string Manifest(object o) => o switch
    {
        Parameters => ParametersManifest,
        ComputeGradient => ComputeGradientManifest,
        GradientChunk => GradientChunkManifest,
        _ => throw new ArgumentException($"cannot serialize {o.GetType()}", nameof(o)),
    };

    public override byte[] ToBinary(object obj) => obj switch
    {
        Parameters p => Write(8 + ArrayBytes(p.Theta), w => w.Long(p.Step).Doubles(p.Theta)),
        ComputeGradient c => Write(16 + ArrayBytes(c.Features) + ArrayBytes(c.Targets), w => w.Long(c.Step).Int(c.Shard).Int(c.Rows).Doubles(c.Features).Doubles(c.Targets)),
        GradientChunk g => Write(24 + ArrayBytes(g.Packed), w => w.Long(g.Step).Int(g.Shard).Int(g.Rows).Int(g.First).Int(g.Count).Longs(g.Packed)),
        _ => throw new ArgumentException($"cannot serialize {obj.GetType()}", nameof(obj)),
    };

    public override object FromBinary(byte[] bytes, string manifest)
    {
        var r = new Reader(bytes);
        return manifest switch
        {
            ParametersManifest => new Parameters(r.Long(), r.Doubles()),
            ComputeGradientManifest => new ComputeGradient(r.Long(), r.Int(), r.Int(), r.Doubles(), r.Doubles()),
            GradientChunkManifest => new GradientChunk(r.Long(), r.Int(), r.Int(), r.Int(), r.Int(), r.Longs()),
            _ => throw new ArgumentException($"unknown manifest '{manifest}'", nameof(manifest)),
        };
    }

    private static int ArrayBytes<T>(T[] values) => 4 + (values.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>());

    private static byte[] Write(int length, Action<Writer> write)
    {
        var bytes = new byte[length];
        var writer = new Writer(bytes);
        write(writer);
        return bytes;
    }

    /// <summary>Little-endian fields in order; arrays as a length then their bytes.</summary>
    private sealed class Writer(byte[] bytes)
    {
        private int _position;

        public Writer Int(int value)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(_position), value);
            _position += 4;
            return this;
        }

        public Writer Long(long value)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(_position), value);
            _position += 8;
            return this;
        }

        public Writer Doubles(double[] values) => Array(values);

        public Writer Longs(long[] values) => Array(values);

        private Writer Array<T>(T[] values)
            where T : struct
        {
            Int(values.Length);
            var raw = MemoryMarshal.AsBytes(values.AsSpan());
            EnsureLittleEndian();
            raw.CopyTo(bytes.AsSpan(_position));
            _position += raw.Length;
            return this;
        }
    }

    private ref struct Reader(byte[] bytes)
    {
        private int _position;

        public int Int()
        {
            var value = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(_position));
            _position += 4;
            return value;
        }

        public long Long()
        {
            var value = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(_position));
            _position += 8;
            return value;
        }

        public double[] Doubles() => Array<double>();

        public long[] Longs() => Array<long>();

        private T[] Array<T>()
            where T : struct
        {
            var values = new T[Int()];
            var raw = MemoryMarshal.AsBytes(values.AsSpan());
            EnsureLittleEndian();
            bytes.AsSpan(_position, raw.Length).CopyTo(raw);
            _position += raw.Length;
            return values;
        }
    }

    private static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("the binary protocol serializer copies arrays as little-endian bytes");
        }
    }
}
