using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace ShardedBackprop.Hosting;

/// <summary>One short line per event: "HH:mm:ss.fff level message", then the exception's message if any (no stack trace).</summary>
public sealed class CompactConsoleFormatter() : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "compact";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null)
        {
            return;
        }

        var level = logEntry.LogLevel switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            LogLevel.Critical => "crit",
            _ => "    ",
        };
        textWriter.Write(DateTime.Now.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture));
        textWriter.Write(' ');
        textWriter.Write(level);
        textWriter.Write(' ');
        textWriter.Write(message);
        if (logEntry.Exception is { } e)
        {
            textWriter.Write(" (");
            textWriter.Write(e.GetType().Name);
            textWriter.Write(": ");
            textWriter.Write(e.Message);
            textWriter.Write(')');
        }

        textWriter.WriteLine();
    }
}

public static class ConsoleLogging
{
    /// <summary>
    /// Console logging as the programs use it: our own events at Information, Akka's and the host's
    /// only from Warning up, one compact line each on standard output.
    /// </summary>
    public static ILoggingBuilder AddCompactConsole(this ILoggingBuilder logging, LogLevel minimum = LogLevel.Information)
    {
        logging.AddConsole(o => o.FormatterName = CompactConsoleFormatter.FormatterName)
            .AddConsoleFormatter<CompactConsoleFormatter, ConsoleFormatterOptions>();
        logging.SetMinimumLevel(minimum);
        logging.AddFilter("Akka", LogLevel.Warning);
        logging.AddFilter("Microsoft", LogLevel.Warning);
        return logging;
    }
}
