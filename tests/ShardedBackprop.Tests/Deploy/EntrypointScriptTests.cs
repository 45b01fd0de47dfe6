using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ShardedBackprop.Model;
using ShardedBackprop.Tests.Cluster;
using ShardedBackprop.Training;

namespace ShardedBackprop.Tests.Deploy;

/// <summary>
/// deploy/entrypoint.sh, the image's entry point, outside a container: its app folder (/app in the
/// image, SBP_APP_DIR here) points at this build's programs.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class EntrypointScriptTests : TempDirectoryTest
{
    private readonly Dictionary<string, string?> _environment;

    public EntrypointScriptTests()
        : base("sbp-entrypoint-")
    {
        var app = Directory.CreateDirectory(Path.Combine(TempDirectory, "app")).FullName;
        File.CreateSymbolicLink(Path.Combine(app, "coordinator"), Repository.ProgramDirectory("Coordinator"));
        File.CreateSymbolicLink(Path.Combine(app, "worker"), Repository.ProgramDirectory("Worker"));
        var tmp = Directory.CreateDirectory(Path.Combine(TempDirectory, "tmp")).FullName;
        _environment = new() { ["SBP_APP_DIR"] = app, ["TMPDIR"] = tmp };
        Directory.CreateDirectory(Path.Combine(TempDirectory, "out"));
    }

    private string Out => Path.Combine(TempDirectory, "out");

    private string HealthFile => Path.Combine(TempDirectory, "tmp", "sbp-health");

    private async Task<(int ExitCode, ChildProcess Script)> RunAsync(params string[] args)
    {
        var script = ChildProcess.StartScript("entrypoint.sh", Out, _environment, args);
        var exitCode = await script.WaitForExitAsync(TimeSpan.FromMinutes(2));
        await script.DisposeAsync();
        return (exitCode, script);
    }

    [Fact]
    public async Task Should_run_the_reference_trainer_in_the_workingTempDirectory()
    {
        var (exitCode, script) = await RunAsync("reference", "--epochs", "7", "--model-out", "reference.json");

        Assert.True(exitCode == 0, $"exit code {exitCode}; output:\n{script.AllOutput()}");
        var expected = ReferenceTrainer.Train(TrainingSetup.Create(new TrainingOptions { Epochs = 7 })).Parameters;
        Assert.Equal(expected, ModelFile.Read(Path.Combine(Out, "reference.json")).Parameters);
        Assert.False(File.Exists(HealthFile)); // a one-shot command has no port to check
    }

    [Theory]
    [InlineData("coordinator", "--local-workers N")]
    [InlineData("worker", "--coordinator HOST:PORT")]
    public async Task Should_start_the_program_of_each_node_role(string role, string option)
    {
        var (exitCode, script) = await RunAsync(role, "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains(option, script.AllOutput());
    }

    [Fact]
    public async Task Should_reject_an_unknown_role_with_exit_code_2()
    {
        var (exitCode, script) = await RunAsync("trainer");

        Assert.Equal(2, exitCode);
        Assert.Equal("error: unknown role 'trainer'", script.Lines[0]);
    }

    [Fact]
    public async Task Should_report_healthy_only_while_the_recorded_port_accepts_connections()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
        await File.WriteAllTextAsync(HealthFile, $"127.0.0.1 {port}\n");

        Assert.Equal(0, (await RunAsync("healthcheck")).ExitCode);

        listener.Stop();
        Assert.NotEqual(0, (await RunAsync("healthcheck")).ExitCode);
    }

    [Fact]
    public async Task Should_record_the_nodes_port_for_the_health_check_before_it_starts()
    {
        // A coordinator that stops at once on a bad option, after the entry point has recorded its port.
        var (exitCode, script) = await RunAsync("coordinator", "--port", "4999", "--epochs", "none");

        Assert.Equal(2, exitCode);
        Assert.Equal("error: --epochs: 'none' is not an integer", script.Lines[0]);
        Assert.Equal("127.0.0.1 4999\n", await File.ReadAllTextAsync(HealthFile));
    }
}
