using Microsoft.Extensions.Logging;
using ShardedBackprop.Hosting;
using ShardedBackprop.Training;

namespace ShardedBackprop.Coordinator;

/// <summary>
/// `reference`: trains with the single-process reference trainer (no cluster, no checkpoints) and
/// writes the model: the bits every distributed run must reproduce.
/// </summary>
internal static class ReferenceCommand
{
    public static int Run(string[] args)
    {
        using var loggerFactory = LoggerFactory.Create(logging => logging.AddCompactConsole());
        var log = loggerFactory.CreateLogger("ShardedBackprop.Reference");
        try
        {
            var options = CoordinatorOptions.Load(args);
            var setup = TrainingSetup.Create(options.ToTrainingOptions());
            Program.LogStart(log, options, setup);
            var run = new TrainingRun(setup, options.ToRunSettings() with { StateDirectory = null }, log);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var result = ReferenceTrainer.Train(setup, epoch =>
            {
                run.ReportEpoch(epoch, workers: 0, clock.Elapsed);
                clock.Restart();
            });
            run.WriteModel(result, options.ModelOut);
            return ExitCodes.Success;
        }
        catch (InputException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (TrainingDivergedException e)
        {
            log.LogError("{Message}", e.Message);
            return ExitCodes.Diverged;
        }
    }
}
