using Akka.Actor;
using Microsoft.Extensions.Logging;
using ShardedBackprop.Numerics;
using ShardedBackprop.Protocol;
using ShardedBackprop.Training;

namespace ShardedBackprop.Worker;

/// <summary>
/// Computes the gradient of the rows the coordinator sends, at the parameters it broadcast, and
/// replies with the exact partial sums. All the work is in <see cref="WorkerComputation"/>.
/// </summary>
public sealed class WorkerActor : ReceiveActor
{
    private readonly WorkerComputation _computation = new();

    /// <param name="log">Where the worker's own events go.</param>
    /// <param name="events">Called when the coordinator ends training or goes away.</param>
    public WorkerActor(ILogger log, WorkerEvents events)
    {
        Receive<NetworkSpec>(spec =>
        {
            _computation.Configure(spec);
            log.LogInformation("Coordinator {Coordinator} found: computing for a {Shape} network, {Activation} hidden activation", Sender.Path.Address, string.Join("-", spec.LayerSizes), spec.HiddenActivation.Name());
        });
        Receive<Parameters>(_computation.Update);
        Receive<ComputeGradient>(shard =>
        {
            var chunks = _computation.Compute(shard);
            if (chunks is null)
            {
                // The coordinator's step timeout sends the rows again, with the parameters first.
                log.LogWarning("Ignoring rows of step {Step}: holding parameters of step {Held}", shard.Step, _computation.Step);
                return;
            }

            foreach (var chunk in chunks)
            {
                Sender.Tell(chunk);
            }
        });
        Receive<TrainingFinished>(_ =>
        {
            log.LogInformation("Coordinator finished training");
            events.OnTrainingFinished();
        });
        Receive<CoordinatorStopping>(_ => events.OnCoordinatorLost("stopping"));
    }

    public static Props Props(ILogger log, WorkerEvents events) => Akka.Actor.Props.Create(() => new WorkerActor(log, events));
}
