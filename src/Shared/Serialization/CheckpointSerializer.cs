using Akka.Actor;
using Akka.Serialization;
using ShardedBackprop.Training;

namespace ShardedBackprop.Serialization;

/// <summary>
/// Binary form of <see cref="TrainingCheckpoint"/> for the snapshot store: versioned and written
/// field by field, so a state directory stays readable whatever the serializer libraries do.
/// </summary>
public sealed class CheckpointSerializer(ExtendedActorSystem system) : Serializer(system)
{
    public const int Id = 482_001;
    private const uint Magic = 0x43504253; // "SBPC"
    private const int Version = 1;

    public override int Identifier => Id;

    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj)
    {
        if (obj is not TrainingCheckpoint checkpoint)
        {
            throw new ArgumentException($"cannot serialize {obj.GetType()}", nameof(obj));
        }

        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer))
        {
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write(checkpoint.Identity.Count);
            foreach (var (key, value) in checkpoint.Identity)
            {
                writer.Write(key);
                writer.Write(value);
            }

            writer.Write(checkpoint.Epoch);
            writer.Write(checkpoint.Batch);
            writer.Write(checkpoint.CompletedSteps);
            writer.Write(checkpoint.Parameters.Length);
            foreach (var p in checkpoint.Parameters)
            {
                writer.Write(p);
            }

            writer.Write(checkpoint.EpochLoss.Length);
            foreach (var w in checkpoint.EpochLoss)
            {
                writer.Write(w);
            }

            writer.Write(checkpoint.Reports.Length);
            foreach (var r in checkpoint.Reports)
            {
                writer.Write(r.Summary.Epoch);
                writer.Write(r.Summary.Sse);
                writer.Write(r.Summary.Mse);
                writer.Write(r.Summary.Rmse);
                writer.Write(r.Summary.Steps);
                writer.Write(r.Workers);
                writer.Write(r.Seconds);
            }
        }

        return buffer.ToArray();
    }

    public override object FromBinary(byte[] bytes, Type type)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes));
        var magic = reader.ReadUInt32();
        var version = reader.ReadInt32();
        if (magic != Magic || version != Version)
        {
            throw new InvalidDataException("not a ShardedBackprop checkpoint of a version this program reads");
        }

        var identity = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (var n = reader.ReadInt32(); n > 0; n--)
        {
            identity[reader.ReadString()] = reader.ReadString();
        }

        var epoch = reader.ReadInt32();
        var batch = reader.ReadInt32();
        var steps = reader.ReadInt64();
        var parameters = new double[reader.ReadInt32()];
        for (var k = 0; k < parameters.Length; k++)
        {
            parameters[k] = reader.ReadDouble();
        }

        var epochLoss = new long[reader.ReadInt32()];
        for (var k = 0; k < epochLoss.Length; k++)
        {
            epochLoss[k] = reader.ReadInt64();
        }

        var reports = new EpochReport[reader.ReadInt32()];
        for (var k = 0; k < reports.Length; k++)
        {
            var summary = new EpochSummary(reader.ReadInt32(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadInt64());
            reports[k] = new EpochReport(summary, reader.ReadInt32(), reader.ReadDouble());
        }

        return new TrainingCheckpoint(identity, epoch, batch, steps, parameters, epochLoss, reports);
    }
}
