using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ShardedBackprop.Hosting;

namespace ShardedBackprop.Worker;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.Write(CommandLine.Help(
                "Usage: dotnet run --project src/Worker -- [--seed-node akka.tcp://ShardedBackprop@HOST:PORT | --coordinator HOST:PORT] [options]",
                WorkerOptions.Section,
                WorkerOptions.Specs));
            return 0;
        }

        WorkerOptions options;
        try
        {
            options = WorkerOptions.Load(args);
        }
        catch (InputException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return ExitCodes.BadInput;
        }

        IHost? host = null;
        host = WorkerHosting.BuildHost(
            options.ToNodeOptions(),
            logging => logging.AddCompactConsole(),
            onTrainingFinished: options.KeepAlive ? null : () => host!.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication());
        await host.RunAsync();
        return ExitCodes.Success;
    }
}
