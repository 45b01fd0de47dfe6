using System.Globalization;
using ShardedBackprop.Model;
using ShardedBackprop.Training;

namespace ShardedBackprop.Tests.Cluster;

/// <summary>Processes killed, interrupted and diverging: the final model keeps the fault-free reference's bits.</summary>
[Collection(ClusterCollection.Name)]
public sealed class FailureProcessTests() : TempDirectoryTest("sbp-faults-")
{
    private const int Epochs = 2000; // seconds of training: room to strike in the middle
    private string ModelPath => Path.Combine(TempDirectory, "model.json");

    private static double[] Reference(int epochs) =>
        ReferenceTrainer.Train(TrainingSetup.Create(new TrainingOptions { Epochs = epochs })).Parameters;

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private ChildProcess StartCoordinator(int port, int localWorkers, int minWorkers, params string[] more) =>
        ChildProcess.Start("Coordinator", TempDirectory,
        [
            "--port", Text(port), "--local-workers", Text(localWorkers), "--min-workers", Text(minWorkers),
            "--epochs", Text(Epochs), "--checkpoint-every", "10", "--model-out", ModelPath, .. more,
        ]);

    private ChildProcess StartWorker(int port) => ChildProcess.Start("Worker", TempDirectory, "--coordinator", $"127.0.0.1:{port}");

    [Fact]
    public async Task Should_finish_with_the_reference_bits_when_a_worker_process_is_killed()
    {
        var port = Ports.Free();
        await using var coordinator = StartCoordinator(port, 0, 2);
        await using var doomed = StartWorker(port);
        await using var survivor = StartWorker(port);
        await coordinator.WaitForLineAsync($@"epoch 100/{Epochs}");

        doomed.Kill();

        Assert.Equal(0, await coordinator.WaitForExitAsync());
        Assert.Equal(0, await survivor.WaitForExitAsync());
        Assert.Equal(Reference(Epochs), ModelFile.Read(ModelPath).Parameters);
        Assert.Matches(@"Worker left: \S+ \((unreachable|removed)\); 1 worker\(s\) remain", coordinator.AllOutput());
    }

    [Fact]
    public async Task Should_resume_from_the_checkpoint_when_the_coordinator_is_killed_and_started_again()
    {
        var port = Ports.Free();
        await using var worker = StartWorker(port);
        await using (var first = StartCoordinator(port, 0, 1))
        {
            await first.WaitForLineAsync($@"epoch 100/{Epochs}");
            first.Kill();
            await first.WaitForExitAsync();
        }

        await using var second = StartCoordinator(port, 0, 1);

        Assert.Equal(0, await second.WaitForExitAsync());
        Assert.Equal(0, await worker.WaitForExitAsync());
        Assert.Equal(Reference(Epochs), ModelFile.Read(ModelPath).Parameters);
        var output = second.AllOutput();
        Assert.Matches(@"Resuming from the checkpoint after step \d+", output);
        Assert.DoesNotContain($"epoch 1/{Epochs} ", output);
        Assert.Contains("waiting to join the next coordinator", worker.AllOutput());
    }

    [Fact]
    public async Task Should_stop_on_ctrl_c_with_a_checkpoint_and_resume_to_the_reference_bits()
    {
        var port = Ports.Free();
        await using (var first = StartCoordinator(port, 1, 1))
        {
            await first.WaitForLineAsync($@"epoch 100/{Epochs}");
            first.Interrupt();
            Assert.Equal(4, await first.WaitForExitAsync());
            Assert.Matches(@"training stopped after step \d+; run the same command again to resume", first.AllOutput());
        }

        Assert.False(File.Exists(ModelPath));
        await using var second = StartCoordinator(port, 1, 1);

        Assert.Equal(0, await second.WaitForExitAsync());
        Assert.Equal(Reference(Epochs), ModelFile.Read(ModelPath).Parameters);
    }

    [Fact]
    public async Task Should_send_the_rows_of_a_worker_stopped_with_ctrl_c_to_the_other_at_once()
    {
        var port = Ports.Free();
        await using var coordinator = StartCoordinator(port, 0, 2, "--step-timeout", "3600");
        await using var leaving = StartWorker(port);
        await using var staying = StartWorker(port);
        await coordinator.WaitForLineAsync($@"epoch 100/{Epochs}");

        leaving.Interrupt();

        Assert.Equal(0, await leaving.WaitForExitAsync());
        Assert.Equal(0, await coordinator.WaitForExitAsync());
        Assert.Equal(0, await staying.WaitForExitAsync());
        Assert.Equal(Reference(Epochs), ModelFile.Read(ModelPath).Parameters);
        Assert.Matches(@"Worker left: \S+ \((leaving|removed|stopped)\); 1 worker\(s\) remain", coordinator.AllOutput());
    }

    [Fact]
    public async Task Should_refuse_the_state_of_another_run_unless_told_to_restart()
    {
        string[] common = ["--port", "0", "--local-workers", "1", "--model-out", ModelPath];
        await using (var first = ChildProcess.Start("Coordinator", TempDirectory, [.. common, "--epochs", "3"]))
        {
            Assert.Equal(0, await first.WaitForExitAsync());
        }

        await using (var other = ChildProcess.Start("Coordinator", TempDirectory, [.. common, "--epochs", "4"]))
        {
            Assert.Equal(2, await other.WaitForExitAsync());
            Assert.Contains("error: --state-dir: state holds the checkpoint of another run (differs in epochs (3 then 4)); use --restart to start over", other.AllOutput());
        }

        await using var restarted = ChildProcess.Start("Coordinator", TempDirectory, [.. common, "--epochs", "4", "--restart"]);

        Assert.Equal(0, await restarted.WaitForExitAsync());
        Assert.Equal(Reference(4), ModelFile.Read(ModelPath).Parameters);
    }

    [Fact]
    public async Task Should_stop_a_diverging_run_with_its_message_and_exit_code_3_keeping_the_last_good_state()
    {
        File.WriteAllText(ModelPath, "earlier model");
        await using var coordinator = ChildProcess.Start("Coordinator", TempDirectory,
            "--port", "0", "--local-workers", "1", "--standardize", "false", "--learning-rate", "1", "--epochs", "50", "--model-out", ModelPath);

        Assert.Equal(3, await coordinator.WaitForExitAsync());

        Assert.Matches(@"training diverged at epoch \d+, step \d+: the (loss|gradient) is not a finite number; try a lower --learning-rate, or --standardize true", coordinator.AllOutput());
        Assert.Equal("earlier model", File.ReadAllText(ModelPath));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(TempDirectory, "state"), "snapshot-*"));
    }
}

internal static class Ports
{
    /// <summary>A port nobody listens on now, for a coordinator that must come back on the same address.</summary>
    public static int Free()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
