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
            return ExitCodes.Success;
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
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var signals = StopSignals.Register(() => stop.TrySetResult());

        // One node per coordinator: when the coordinator goes away (crash, restart, stop), this
        // node leaves and a new one waits to join whichever coordinator comes next.
        while (true)
        {
            var ended = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            using var host = WorkerHosting.BuildHost(node, logging => logging.AddCompactConsole(), new WorkerEvents(
                OnTrainingFinished: () =>
                {
                    if (!options.KeepAlive)
                    {
                        ended.TrySetResult("finished");
                    }
                },
                OnCoordinatorLost: why => ended.TrySetResult($"coordinator {why}")));
            await host.StartAsync();
            var log = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ShardedBackprop.Worker");
            log.LogInformation("Worker listening on {Address}; joining {SeedNode}", SelfAddress(host), node.SeedNodes[0]);

            var shutdown = host.WaitForShutdownAsync();
            var first = await Task.WhenAny(ended.Task, stop.Task, shutdown);
            await host.StopAsync(); // leaves the cluster, so the coordinator re-sends this node's rows at once
            if (first == stop.Task || (first == ended.Task && ended.Task.Result == "finished"))
            {
                return ExitCodes.Success;
            }

            log.LogInformation("{Reason}: waiting to join the next coordinator", first == ended.Task ? ended.Task.Result : "node stopped");
        }
    }

    private static string SelfAddress(IHost host) =>
        Akka.Cluster.Cluster.Get(host.Services.GetRequiredService<Akka.Actor.ActorSystem>()).SelfAddress.ToString();
}
