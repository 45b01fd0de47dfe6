using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace ShardedBackprop.Hosting;

/// <summary>One command-line option and the configuration key it sets.</summary>
/// <param name="Flag">The option as typed, e.g. "--learning-rate".</param>
/// <param name="Key">The settings property it binds to, e.g. "LearningRate".</param>
/// <param name="Help">One line for --help.</param>
/// <param name="Default">The default shown by --help.</param>
/// <param name="IsSwitch">A flag that may stand without a value (meaning true).</param>
/// <param name="Value">What the value is, for --help (PATH, N, X, ...).</param>
public sealed record OptionSpec(string Flag, string Key, string Help, string Default = "", bool IsSwitch = false, string Value = "VALUE");

/// <summary>
/// Settings for a program from, in rising precedence, appsettings.json, environment variables
/// (SHARDEDBACKPROP_{Section}__{Key}) and the command line, with clear errors for unknown options
/// and values that do not convert.
/// </summary>
public static class CommandLine
{
    public const string EnvironmentPrefix = "SHARDEDBACKPROP_";

    /// <summary>Builds the configuration of a program's section; an unknown or valueless option is an <see cref="InputException"/>.</summary>
    public static IConfiguration Configuration(string[] args, IReadOnlyList<OptionSpec> specs, string section, string? baseDirectory = null)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string? inlineValue = null;
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                inlineValue = arg[(equals + 1)..];
                arg = arg[..equals];
            }

            var spec = specs.FirstOrDefault(s => s.Flag == arg)
                ?? throw new InputException($"{arg}: unknown option (see --help)");
            string value;
            if (inlineValue is not null)
            {
                value = inlineValue;
            }
            else if (i + 1 < args.Length && !(args[i + 1].StartsWith("--", StringComparison.Ordinal) && spec.IsSwitch))
            {
                value = args[++i];
            }
            else if (spec.IsSwitch)
            {
                value = "true";
            }
            else
            {
                throw new InputException($"{arg}: missing value");
            }

            values[$"{section}:{spec.Key}"] = value;
        }

        return new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(baseDirectory ?? AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddEnvironmentVariables(EnvironmentPrefix)
            .AddInMemoryCollection(values)
            .Build();
    }

    /// <summary>Binds a section to <typeparamref name="T"/>, turning conversion failures into an error that names the option.</summary>
    public static T Bind<T>(IConfiguration configuration, string section, IReadOnlyList<OptionSpec> specs)
        where T : new()
    {
        var settings = new T();
        var values = configuration.GetSection(section);
        foreach (var property in typeof(T).GetProperties().Where(p => p.CanWrite))
        {
            var raw = values[property.Name];
            if (raw is null)
            {
                continue;
            }

            var flag = specs.FirstOrDefault(s => s.Key == property.Name)?.Flag ?? $"{section}:{property.Name}";
            property.SetValue(settings, Convert(raw, property.PropertyType, flag));
        }

        return settings;
    }

    private static object? Convert(string raw, Type type, string flag)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        var text = raw.Trim();
        if (Nullable.GetUnderlyingType(type) is not null && text.Length == 0)
        {
            return null;
        }

        object? value = target switch
        {
            _ when target == typeof(string) => raw,
            _ when target == typeof(int) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : null,
            _ when target == typeof(long) => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l : null,
            _ when target == typeof(ulong) => ulong.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var u) ? u : null,
            _ when target == typeof(double) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d : null,
            _ when target == typeof(bool) => bool.TryParse(text, out var b) ? b : null,
            _ => throw new InvalidOperationException($"no conversion to {target.Name} for {flag}"),
        };
        return value ?? throw new InputException($"{flag}: '{raw}' is not {Describe(target)}");
    }

    private static string Describe(Type type) => type switch
    {
        _ when type == typeof(int) || type == typeof(long) => "an integer",
        _ when type == typeof(ulong) => "a non-negative integer",
        _ when type == typeof(double) => "a finite number",
        _ when type == typeof(bool) => "true or false",
        _ => type.Name,
    };

    /// <summary>The --help text: usage line, then one line per option with its default.</summary>
    public static string Help(string usage, string section, IReadOnlyList<OptionSpec> specs)
    {
        var text = new StringBuilder();
        text.AppendLine(usage).AppendLine().AppendLine("Options:");
        var width = specs.Max(s => s.Flag.Length + (s.IsSwitch ? 0 : s.Value.Length + 1)) + 2;
        foreach (var spec in specs)
        {
            var left = spec.IsSwitch ? spec.Flag : $"{spec.Flag} {spec.Value}";
            var defaults = spec.Default.Length > 0 ? $" (default: {spec.Default})" : "";
            text.Append("  ").Append(left.PadRight(width)).Append(spec.Help).AppendLine(defaults);
        }

        text.AppendLine("  --help".PadRight(width + 2) + "Show this help");
        text.AppendLine()
            .AppendLine($"Every option can also be set in appsettings.json (section \"{section}\") or in an")
            .AppendLine($"environment variable {EnvironmentPrefix}{section}__Key, e.g. {EnvironmentPrefix}{section}__{specs[0].Key}; the command line wins.");
        return text.ToString();
    }
}
