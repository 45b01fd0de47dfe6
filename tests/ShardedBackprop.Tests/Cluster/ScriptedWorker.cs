using Akka.Actor;
using ShardedBackprop.Protocol;
using ShardedBackprop.Training;
using ShardedBackprop.Worker;

namespace ShardedBackprop.Tests.Cluster;

/// <summary>
/// A worker that computes as the real one does, but holds back its replies for one step until the
/// test sends <see cref="Release"/>: a straggler, or a node about to be stopped mid-step.
/// </summary>
internal sealed class ScriptedWorker : ReceiveActor
{
    private readonly WorkerComputation _computation = new();
    private readonly List<(IActorRef To, GradientChunk Chunk)> _held = [];

    public ScriptedWorker(long holdStep, TaskCompletionSource<IActorRef> reachedHoldStep, WorkerEvents events)
    {
        Receive<NetworkSpec>(_computation.Configure);
        Receive<Parameters>(_computation.Update);
        Receive<ComputeGradient>(shard =>
        {
            foreach (var chunk in _computation.Compute(shard) ?? [])
            {
                if (shard.Step == holdStep)
                {
                    _held.Add((Sender, chunk));
                }
                else
                {
                    Sender.Tell(chunk);
                }
            }

            if (shard.Step == holdStep)
            {
                reachedHoldStep.TrySetResult(Self);
            }
        });
        Receive<Release>(_ =>
        {
            foreach (var (to, chunk) in _held)
            {
                to.Tell(chunk);
            }

            _held.Clear();
        });
        Receive<TrainingFinished>(_ => events.OnTrainingFinished());
    }

    /// <summary>Send the held replies now (late, for a step that may be over).</summary>
    public sealed record Release
    {
        public static readonly Release Instance = new();
    }

    public static Func<Microsoft.Extensions.Logging.ILogger, WorkerEvents, Props> Holding(long step, TaskCompletionSource<IActorRef> reached) =>
        (_, events) => Props.Create(() => new ScriptedWorker(step, reached, events));
}
