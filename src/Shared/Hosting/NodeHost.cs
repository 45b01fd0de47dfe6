using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ShardedBackprop.Hosting;

/// <summary>A bare generic host for one cluster node: no default sources, only the logging and services given.</summary>
public static class NodeHost
{
    public static IHost Build(Action<ILoggingBuilder> configureLogging, Action<IServiceCollection> configureServices)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        configureLogging(builder.Logging);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        configureServices(builder.Services);
        return builder.Build();
    }
}
