using System.Text.RegularExpressions;
using ShardedBackprop.Coordinator;
using ShardedBackprop.Worker;

namespace ShardedBackprop.Tests.Deploy;

/// <summary>
/// The deployment files name only options the programs accept: a renamed option would otherwise
/// break them silently (an unknown environment variable is ignored). Their syntax is checked by
/// .ci/run (docker-compose config, dockerfilelint, shellcheck).
/// </summary>
public sealed partial class DeployOptionsTests
{
    private static readonly string DeployDirectory = Path.Combine(Repository.Root, "deploy");

    /// <summary>The prefix alone, as a mention in a comment.</summary>
    private const string Prefix = ShardedBackprop.Hosting.CommandLine.EnvironmentPrefix;

    /// <summary>Accepted by both programs without being a setting.</summary>
    private static readonly string[] ExtraFlags = ["--help"];

    private static IEnumerable<string> Files(params string[] patterns) =>
        patterns.SelectMany(p => Directory.EnumerateFiles(DeployDirectory, p)).Order(StringComparer.Ordinal);

    [Fact]
    public void Should_use_only_flags_that_the_coordinator_or_the_worker_accepts()
    {
        var accepted = CoordinatorOptions.Specs.Concat(WorkerOptions.Specs).Select(s => s.Flag).Concat(ExtraFlags).ToHashSet();
        var used = new List<(string File, string Flag)>();
        foreach (var file in Files("*.yml", "*.sh"))
        {
            foreach (Match match in FlagPattern().Matches(File.ReadAllText(file)))
            {
                used.Add((Path.GetFileName(file), match.Value));
            }
        }

        Assert.Empty(used.Where(u => !accepted.Contains(u.Flag)).Select(u => $"{u.File}: {u.Flag}"));
        // The scripts pass the options these tests rely on (so the scan above did find them).
        var flags = used.Select(u => u.Flag).ToHashSet();
        Assert.Superset(new HashSet<string> { "--local-workers", "--min-workers", "--coordinator", "--host", "--port", "--public-host", "--model-out", "--state-dir" }, flags);
        Assert.Contains(("run-local.sh", "--coordinator"), used);
        Assert.Contains(("multi-host-test.sh", "--coordinator"), used);
    }

    [Fact]
    public void Should_name_only_settings_that_exist_in_its_environment_variables()
    {
        var properties = new Dictionary<string, HashSet<string>>
        {
            [CoordinatorOptions.Section] = typeof(CoordinatorOptions).GetProperties().Where(p => p.CanWrite).Select(p => p.Name).ToHashSet(),
            [WorkerOptions.Section] = typeof(WorkerOptions).GetProperties().Where(p => p.CanWrite).Select(p => p.Name).ToHashSet(),
        };
        var used = new List<(string File, string Variable)>();
        foreach (var file in Files("*.yml", "*.sh", "Dockerfile"))
        {
            foreach (Match match in VariablePattern().Matches(File.ReadAllText(file)))
            {
                used.Add((Path.GetFileName(file), match.Value));
            }
        }

        var wrong = new List<string>();
        foreach (var (file, variable) in used)
        {
            var name = VariableNamePattern().Match(variable);
            var valid = variable == Prefix || name.Success
                && properties.TryGetValue(name.Groups["section"].Value, out var keys)
                && (name.Groups["key"].Value.Length == 0 || keys.Contains(name.Groups["key"].Value));
            if (!valid)
            {
                wrong.Add($"{file}: {variable}");
            }
        }

        Assert.Empty(wrong);
        Assert.Contains(("docker-compose.yml", "SHARDEDBACKPROP_Coordinator__MinWorkers"), used);
        Assert.Contains(("docker-compose.yml", "SHARDEDBACKPROP_Coordinator__Data"), used);
        Assert.Contains(("docker-compose.yml", "SHARDEDBACKPROP_Worker__Coordinator"), used);
        Assert.Contains(("Dockerfile", "SHARDEDBACKPROP_Worker__Port"), used);
        Assert.Contains(("entrypoint.sh", "SHARDEDBACKPROP_Worker__PublicHost"), used);
    }

    [Fact]
    public void Should_find_every_kind_of_mistake_it_looks_for()
    {
        Assert.Equal(["--min-workers", "--plot-out", "--x"], FlagPattern().Matches("a --min-workers=2 b\n--plot-out c --x --\nkill -TERM x-y--z").Select(m => m.Value));
        Assert.Equal(
            ["SHARDEDBACKPROP_Coordinator__", "SHARDEDBACKPROP_Worker_Port"],
            VariablePattern().Matches("SHARDEDBACKPROP_Coordinator__* and SHARDEDBACKPROP_Worker_Port").Select(m => m.Value));
        Assert.DoesNotMatch(VariableNamePattern(), "SHARDEDBACKPROP_Worker_Port");
        Assert.Equal("MinWorkers", VariableNamePattern().Match("SHARDEDBACKPROP_Coordinator__MinWorkers").Groups["key"].Value);
    }

    /// <summary>A long option: two dashes at the start of a word, then lowercase words joined by single dashes.</summary>
    [GeneratedRegex(@"(?<![\w-])--[a-z][a-z0-9]*(?:-[a-z0-9]+)*")]
    private static partial Regex FlagPattern();

    [GeneratedRegex(@"SHARDEDBACKPROP_\w*")]
    private static partial Regex VariablePattern();

    /// <summary>SHARDEDBACKPROP_{Section}__{Key}; an empty key is a mention of the prefix.</summary>
    [GeneratedRegex(@"^SHARDEDBACKPROP_(?<section>[A-Za-z]+)__(?<key>[A-Za-z0-9]*)$")]
    private static partial Regex VariableNamePattern();
}
