using Akka.Actor;
using Akka.DependencyInjection;
using Akka.Dispatch;
using Akka.Event;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ShardedBackprop.Hosting;

/// <summary>
/// Akka's log events into Microsoft.Extensions.Logging, one line each (category "Akka.{source
/// class}"), without stack traces. A closed connection of a node that is gone (reported by
/// remoting as a warning and an error with traces) is logged at Debug: the coordinator already
/// says in plain words that a worker left.
/// </summary>
public sealed class AkkaLogBridge : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    private readonly ILoggerFactory _factory;

    public AkkaLogBridge()
    {
        _factory = DependencyResolver.For(Context.System).Resolver.GetService<ILoggerFactory>();
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(Log);
    }

    private void Log(LogEvent e)
    {
        var text = e.Message?.ToString() ?? "";
        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        if (newline >= 0)
        {
            text = text[..newline].TrimEnd();
        }

        var level = e.LogLevel() switch
        {
            Akka.Event.LogLevel.DebugLevel => Microsoft.Extensions.Logging.LogLevel.Debug,
            Akka.Event.LogLevel.InfoLevel => Microsoft.Extensions.Logging.LogLevel.Information,
            Akka.Event.LogLevel.WarningLevel => Microsoft.Extensions.Logging.LogLevel.Warning,
            _ => Microsoft.Extensions.Logging.LogLevel.Error,
        };
        if (IsClosedConnection(e, text))
        {
            level = Microsoft.Extensions.Logging.LogLevel.Debug;
        }

        var logger = _factory.CreateLogger("Akka." + (e.LogClass?.Name ?? "ActorSystem"));
        if (logger.IsEnabled(level))
        {
            var cause = e.Cause is null ? "" : $" ({e.Cause.GetType().Name}: {FirstLine(e.Cause.Message)})";
            logger.Log(level, "{Message}{Cause}", text, cause);
        }
    }

    private static bool IsClosedConnection(LogEvent e, string text) =>
        e.Cause?.GetType().Name == "EndpointDisassociatedException"
        || text.Contains("EndpointDisassociatedException", StringComparison.Ordinal)
        || text.StartsWith("Association with remote system", StringComparison.Ordinal)
        || text.StartsWith("Tried to associate with unreachable remote address", StringComparison.Ordinal)
        || text.StartsWith("Unable to REMOVE channel", StringComparison.Ordinal);

    private static string FirstLine(string text) => text.Split('\n', 2)[0].TrimEnd();
}
