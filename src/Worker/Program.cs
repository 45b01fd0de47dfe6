using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
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

        var node = options.ToNodeOptions();
        IHost? host = null;
        host = WorkerHosting.BuildHost(
            node,
            logging => logging.AddCompactConsole(),
            onTrainingFinished: options.KeepAlive ? null : () => host!.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication());
        await host.StartAsync();
        host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ShardedBackprop.Worker")
            .LogInformation("Worker listening on {Address}; joining {SeedNode}", SelfAddress(host), node.SeedNodes[0]);
        await host.WaitForShutdownAsync();
        return ExitCodes.Success;
    }

    private static string SelfAddress(IHost host) =>
        Akka.Cluster.Cluster.Get(host.Services.GetRequiredService<Akka.Actor.ActorSystem>()).SelfAddress.ToString();
}
