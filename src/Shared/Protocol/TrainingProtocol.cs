using ShardedBackprop.Numerics;

namespace ShardedBackprop.Protocol;

/// <summary>
/// Marker of every message between the coordinator and the workers; binds them to the protocol's
/// serializer (see <c>ShardedBackprop.Hosting.ClusterHosting</c>).
/// </summary>
public interface ITrainingMessage;

// The flow of one step:
//   coordinator -> every worker : Parameters(step, theta)           (theta the step starts from)
//   coordinator -> some workers : ComputeGradient(step, shard, rows)
//   worker -> coordinator       : GradientChunk(step, shard, ...) x1..n (exact partial sums)
// Messages between a pair of actors arrive in the order sent, so a worker always holds the
// parameters of a step before any of that step's rows reach it.

/// <summary>
/// Coordinator to a worker that has just been found: the network it will compute for, and the
/// most words of packed sums one <see cref="GradientChunk"/> may carry (set by the frame size).
/// </summary>
public sealed record NetworkSpec(int[] LayerSizes, Activation HiddenActivation, int MaxChunkWords) : ITrainingMessage;

/// <summary>Coordinator to every worker: the parameters that step <paramref name="Step"/> starts from.</summary>
public sealed record Parameters(long Step, double[] Theta) : ITrainingMessage;

/// <summary>
/// Coordinator to one worker: compute the gradient and squared errors of these rows at the
/// parameters of <paramref name="Step"/>. <paramref name="Features"/> is [Rows, inputs] and
/// <paramref name="Targets"/> [Rows, outputs], row-major.
/// </summary>
public sealed record ComputeGradient(long Step, int Shard, int Rows, double[] Features, double[] Targets) : ITrainingMessage;

/// <summary>
/// Worker to coordinator: exact partial sums of one shard, for accumulators
/// [<paramref name="First"/>, <paramref name="First"/> + <paramref name="Count"/>) in the packed form of
/// <see cref="GradientSum.Pack"/>. A shard's sums may come in several chunks to keep each message
/// under the transport's frame size; writing a chunk twice changes nothing.
/// </summary>
public sealed record GradientChunk(long Step, int Shard, int Rows, int First, int Count, long[] Packed) : ITrainingMessage;

/// <summary>Coordinator to workers: training is over; a worker process exits unless told to stay.</summary>
public sealed record TrainingFinished : ITrainingMessage
{
    public static readonly TrainingFinished Instance = new();

    private TrainingFinished()
    {
    }
}

/// <summary>
/// Coordinator to workers: it is stopping before the end (Ctrl+C or SIGTERM) and will be back; a
/// worker process leaves and waits to rejoin the next coordinator.
/// </summary>
public sealed record CoordinatorStopping : ITrainingMessage
{
    public static readonly CoordinatorStopping Instance = new();

    private CoordinatorStopping()
    {
    }
}
