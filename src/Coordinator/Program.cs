using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ShardedBackprop.Hosting;
using ShardedBackprop.Training;
using ShardedBackprop.Worker;

namespace ShardedBackprop.Coordinator;

public static class Program
{
    public static async Task<int> Main(string[] args) => args.FirstOrDefault() switch
    {
        "reference" => ReferenceCommand.Run(args[1..]),
        "predict" => PredictCommand.Run(args[1..]),
        "explain" => ExplainCommand.Run(args[1..]),
        _ => await TrainAsync(args),
    };

    private static async Task<int> TrainAsync(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.Write(CommandLine.Help(
                "Usage: dotnet run --project src/Coordinator -- [options]\n" +
                "       dotnet run --project src/Coordinator -- reference [options]   (train in one process, no cluster)\n" +
                "       dotnet run --project src/Coordinator -- predict --model PATH --data PATH [--out PATH]\n" +
                "       dotnet run --project src/Coordinator -- explain [options] [--batch K]",
                CoordinatorOptions.Section,
                CoordinatorOptions.Specs));
            return ExitCodes.Success;
        }

        using var loggerFactory = LoggerFactory.Create(logging => logging.AddCompactConsole());
        var log = loggerFactory.CreateLogger("ShardedBackprop.Coordinator");
        CoordinatorOptions options;
        TrainingRun run;
        TrainingTelemetry? telemetry = null;
        try
        {
            options = CoordinatorOptions.Load(args);
            var setup = TrainingSetup.Create(options.ToTrainingOptions());
            telemetry = new TrainingTelemetry(options.MetricsPort, options.Host);
            run = new TrainingRun(setup, options.ToRunSettings(), log, telemetry);
            LogStart(log, options, setup);
            if (options.Restart && CoordinatorHosting.DeleteCheckpoints(options.StateDir) is > 0 and var deleted)
            {
                log.LogInformation("Deleted {Count} checkpoint(s) in {StateDir}: starting over", deleted, options.StateDir);
            }
        }
        catch (InputException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return ExitCodes.BadInput;
        }

        var node = options.ToNodeOptions();
        using var coordinator = CoordinatorHosting.BuildHost(node, run, logging => logging.AddCompactConsole());
        var workers = new List<IHost>();
        using var signals = StopSignals.Register(() =>
        {
            log.LogInformation("Stop requested: finishing the current step, then saving a checkpoint");
            coordinator.Services.GetRequiredService<IRequiredActor<CoordinatorActor>>().ActorRef.Tell(CoordinatorActor.StopTraining.Instance);
        });
        try
        {
            await coordinator.StartAsync();
            var seed = CoordinatorHosting.SeedNodeOf(coordinator);
            for (var i = 0; i < options.LocalWorkers; i++)
            {
                var worker = WorkerHosting.BuildHost(
                    new ClusterNodeOptions { Host = node.Host, Port = 0, SeedNodes = [seed], MaxFrameSize = node.MaxFrameSize },
                    // Local workers speak only of problems; their remoting's notes on the coordinator
                    // shutting down first at the end are not.
                    logging => logging.AddCompactConsole(LogLevel.Warning).AddFilter("Akka", LogLevel.None));
                workers.Add(worker);
                await worker.StartAsync();
            }

            var result = await run.Completion;
            run.WriteModel(result, options.ModelOut);
            return ExitCodes.Success;
        }
        catch (InputException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (TrainingDivergedException)
        {
            return ExitCodes.Diverged; // the coordinator has logged why
        }
        catch (TrainingStoppedException e)
        {
            log.LogInformation("{Message}", e.Message);
            return ExitCodes.Stopped;
        }
        finally
        {
            telemetry?.Dispose();

            // The coordinator leaves first, so that it never sees its workers' connections drop.
            await coordinator.StopAsync();
            foreach (var worker in workers)
            {
                await worker.StopAsync();
                worker.Dispose();
            }
        }
    }

    internal static void LogStart(ILogger log, CoordinatorOptions options, TrainingSetup setup)
    {
        var data = setup.RawData;
        log.LogInformation(
            "Data {Path}: {Rows} rows, features {Features}, target {Target}; {Batches} batches of {BatchSize} per epoch{Shuffle}",
            Path.GetFullPath(data.Source),
            data.Rows,
            string.Join(",", data.FeatureNames),
            data.TargetNames[0],
            setup.Plan.BatchesPerEpoch,
            setup.Plan.BatchSize,
            setup.Plan.Shuffle ? ", shuffled" : "");
        log.LogInformation(
            "Network {Shape} ({Parameters} parameters), {Activation} hidden activation; {Epochs} epochs, learning rate {LearningRate}, seed {Seed}, standardization {Standardize}{Init}",
            setup.Shape,
            setup.Shape.ParameterCount,
            options.Activation,
            options.Epochs,
            options.LearningRate,
            options.Seed,
            options.Standardize ? "on" : "off",
            options.InitWeights is null ? "" : $", initial weights from {options.InitWeights}");
        log.LogInformation(
            "Checkpoints in {StateDir} every {Every} steps and at each epoch's end; step timeout {Timeout} s",
            Path.GetFullPath(options.StateDir),
            options.CheckpointEvery,
            options.StepTimeout);
    }
}
