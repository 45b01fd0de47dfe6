using ShardedBackprop.Hosting;

namespace ShardedBackprop.Worker;

/// <summary>Settings of a worker process, bound from appsettings.json, environment and command line (section "Worker").</summary>
public sealed class WorkerOptions
{
    public const string Section = "Worker";

    public string? SeedNode { get; set; }

    public string? Coordinator { get; set; }

    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; }

    public string? PublicHost { get; set; }

    public bool KeepAlive { get; set; }

    public long MaxFrameSize { get; set; } = ClusterNodeOptions.DefaultMaxFrameSize;

    public static readonly IReadOnlyList<OptionSpec> Specs =
    [
        new("--seed-node", nameof(SeedNode), "Cluster address of the coordinator", ClusterHosting.SeedNodeAddress("127.0.0.1", 4053), Value: "ADDRESS"),
        new("--coordinator", nameof(Coordinator), "The coordinator as HOST:PORT (instead of --seed-node)", Value: "HOST:PORT"),
        new("--host", nameof(Host), "Address to listen on", "127.0.0.1", Value: "HOST"),
        new("--port", nameof(Port), "Port to listen on; 0 picks a free port", "0", Value: "PORT"),
        new("--public-host", nameof(PublicHost), "Address the others reach this worker at, if not --host", Value: "HOST"),
        new("--keep-alive", nameof(KeepAlive), "Stay up when training ends, for the next run", "false", IsSwitch: true),
        new("--max-frame-size", nameof(MaxFrameSize), "Largest message in bytes; the same on every node", ClusterNodeOptions.DefaultMaxFrameSize.ToString(System.Globalization.CultureInfo.InvariantCulture), Value: "BYTES"),
    ];

    public static WorkerOptions Load(string[] args)
    {
        var options = CommandLine.Bind<WorkerOptions>(CommandLine.Configuration(args, Specs, Section), Section, Specs);
        options.Validate();
        return options;
    }

    private void Validate()
    {
        if (SeedNode is not null && Coordinator is not null)
        {
            throw new InputException("--seed-node and --coordinator: give one or the other");
        }

        if (Coordinator is not null && !TryParseHostPort(Coordinator, out _, out _))
        {
            throw new InputException($"--coordinator: '{Coordinator}' is not HOST:PORT");
        }

        if (SeedNode is not null && !SeedNode.StartsWith($"akka.tcp://{ClusterHosting.SystemName}@", StringComparison.Ordinal))
        {
            throw new InputException($"--seed-node: '{SeedNode}' is not akka.tcp://{ClusterHosting.SystemName}@HOST:PORT");
        }

        if (Port is < 0 or > 65535)
        {
            throw new InputException($"--port: {Port} is not a port number (0-65535)");
        }

        if (MaxFrameSize is < 32_000 or > int.MaxValue / 2)
        {
            throw new InputException($"--max-frame-size: {MaxFrameSize} is outside 32000..{int.MaxValue / 2}");
        }
    }

    public ClusterNodeOptions ToNodeOptions()
    {
        string seed;
        if (Coordinator is not null && TryParseHostPort(Coordinator, out var host, out var port))
        {
            seed = ClusterHosting.SeedNodeAddress(host, port);
        }
        else
        {
            seed = SeedNode ?? ClusterHosting.SeedNodeAddress("127.0.0.1", 4053);
        }

        return new ClusterNodeOptions { Host = Host, Port = Port, PublicHost = PublicHost, SeedNodes = [seed], MaxFrameSize = MaxFrameSize };
    }

    private static bool TryParseHostPort(string text, out string host, out int port)
    {
        var colon = text.LastIndexOf(':');
        host = colon > 0 ? text[..colon] : "";
        port = 0;
        return colon > 0 && int.TryParse(text[(colon + 1)..], out port) && port is > 0 and <= 65535;
    }
}
