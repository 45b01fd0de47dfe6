using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ShardedBackprop.Hosting;

/// <summary>
/// A bare generic host for one cluster node: no default sources, only the logging and services
/// given, and no console lifetime: the programs handle Ctrl+C and SIGTERM themselves, since what a
/// signal means (finish the step, checkpoint, tell the workers) is theirs to decide.
/// </summary>
public static class NodeHost
{
    public static IHost Build(Action<ILoggingBuilder> configureLogging, Action<IServiceCollection> configureServices)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        configureLogging(builder.Logging);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        builder.Services.AddSingleton<IHostLifetime, SignalFreeLifetime>();
        configureServices(builder.Services);
        return builder.Build();
    }
}

internal sealed class SignalFreeLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
