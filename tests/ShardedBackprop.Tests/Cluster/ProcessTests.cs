using ShardedBackprop.Model;
using ShardedBackprop.Training;

namespace ShardedBackprop.Tests.Cluster;

/// <summary>The built programs, run as real processes over loopback, compared with the reference trainer.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ProcessTests() : TempDirectoryTest("sbp-process-")
{
    private static double[] ReferenceParameters(int epochs) =>
        ReferenceTrainer.Train(TrainingSetup.Create(new TrainingOptions { Epochs = epochs })).Parameters;

    [Fact]
    public async Task Should_train_with_a_coordinator_and_two_worker_processes_to_the_reference_bits()
    {
        var model = Path.Combine(TempDirectory, "model.json");
        var metrics = Path.Combine(TempDirectory, "metrics.csv");
        await using var coordinator = ChildProcess.Start("Coordinator", TempDirectory,
            "--local-workers", "0", "--min-workers", "2", "--port", "0", "--epochs", "40", "--model-out", model, "--metrics-out", metrics);
        var seed = (await coordinator.WaitForLineAsync(@"Waiting for 2 worker\(s\) to join (akka\.tcp://\S+)")).Groups[1].Value;
        await using var first = ChildProcess.Start("Worker", TempDirectory, "--seed-node", seed);
        await using var second = ChildProcess.Start("Worker", TempDirectory, "--seed-node", seed);

        Assert.Equal(0, await coordinator.WaitForExitAsync());
        Assert.Equal(0, await first.WaitForExitAsync());
        Assert.Equal(0, await second.WaitForExitAsync());

        Assert.Equal(ReferenceParameters(40), ModelFile.Read(model).Parameters);
        var output = coordinator.AllOutput();
        Assert.Matches(@"epoch 40/40  sse=\S+  mse=\S+  rmse\(Salary\)=\S+  steps=160  workers=2  \d+ ms", output);
        Assert.Contains("Model written to " + model, output);
        var rows = File.ReadAllLines(metrics);
        Assert.Equal("epoch,sse,mse,rmse,steps,workers,seconds", rows[0]);
        Assert.Equal(41, rows.Length);
        Assert.StartsWith("40,", rows[^1]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Should_write_the_reference_bits_with_local_workers(int workers)
    {
        var model = Path.Combine(TempDirectory, "model.json");
        await using var coordinator = ChildProcess.Start("Coordinator", TempDirectory,
            "--local-workers", workers.ToString(System.Globalization.CultureInfo.InvariantCulture), "--port", "0", "--epochs", "25", "--model-out", model);

        Assert.Equal(0, await coordinator.WaitForExitAsync());

        Assert.Equal(ReferenceParameters(25), ModelFile.Read(model).Parameters);
    }

    [Theory]
    [InlineData("--epochs", "zero", "--epochs: 'zero' is not an integer")]
    [InlineData("--activation", "softmax", "--activation: 'softmax' is not one of linear, relu, tanh, sigmoid")]
    [InlineData("--bogus", "1", "--bogus: unknown option (see --help)")]
    [InlineData("--target", "Pay", "no target column named 'Pay'")]
    public async Task Should_reject_bad_options_with_one_line_and_exit_code_2(string flag, string value, string message)
    {
        await using var coordinator = ChildProcess.Start("Coordinator", TempDirectory, flag, value, "--port", "0");

        Assert.Equal(2, await coordinator.WaitForExitAsync());

        var output = coordinator.AllOutput().Trim();
        Assert.Single(output.Split('\n'));
        Assert.StartsWith("error: ", output);
        Assert.Contains(message, output);
        Assert.False(File.Exists(Path.Combine(TempDirectory, "model.json")));
    }

    [Fact]
    public async Task Should_take_options_from_environment_variables_below_the_command_line()
    {
        var model = Path.Combine(TempDirectory, "model.json");
        var environment = new Dictionary<string, string?>
        {
            ["SHARDEDBACKPROP_Coordinator__Epochs"] = "3",
            ["SHARDEDBACKPROP_Coordinator__LocalWorkers"] = "1",
            ["SHARDEDBACKPROP_Coordinator__LearningRate"] = "0.5",
        };
        await using var coordinator = ChildProcess.Start("Coordinator", TempDirectory, environment, "--port", "0", "--learning-rate", "0.01", "--model-out", model);

        Assert.Equal(0, await coordinator.WaitForExitAsync());

        var output = coordinator.AllOutput();
        Assert.Contains("epoch 3/3", output);
        Assert.Contains("learning rate 0.01", output);
        Assert.Equal(ReferenceParameters(3), ModelFile.Read(model).Parameters);
    }

    [Fact]
    public async Task Should_let_a_worker_started_first_keep_trying_until_the_coordinator_is_there()
    {
        var port = Ports.Free();
        var model = Path.Combine(TempDirectory, "model.json");
        await using var worker = ChildProcess.Start("Worker", TempDirectory, "--coordinator", $"127.0.0.1:{port}");
        await worker.WaitForLineAsync("Worker listening on");

        await using var coordinator = ChildProcess.Start("Coordinator", TempDirectory,
            "--local-workers", "0", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--epochs", "5", "--model-out", model);

        Assert.Equal(0, await coordinator.WaitForExitAsync());
        Assert.Equal(0, await worker.WaitForExitAsync());
        Assert.Equal(ReferenceParameters(5), ModelFile.Read(model).Parameters);
    }

    [Fact]
    public async Task Should_keep_a_worker_with_keep_alive_for_the_next_run()
    {
        var port = Ports.Free().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var model = Path.Combine(TempDirectory, "model.json");
        await using var worker = ChildProcess.Start("Worker", TempDirectory, "--coordinator", $"127.0.0.1:{port}", "--keep-alive");
        await using (var first = ChildProcess.Start("Coordinator", TempDirectory, "--local-workers", "0", "--port", port, "--epochs", "5", "--model-out", model, "--state-dir", "first"))
        {
            Assert.Equal(0, await first.WaitForExitAsync());
        }

        // Only the kept worker can train the second run.
        await using var second = ChildProcess.Start("Coordinator", TempDirectory, "--local-workers", "0", "--port", port, "--epochs", "6", "--model-out", model, "--state-dir", "second");

        Assert.Equal(0, await second.WaitForExitAsync());
        Assert.Equal(ReferenceParameters(6), ModelFile.Read(model).Parameters);
        worker.Interrupt();
        Assert.Equal(0, await worker.WaitForExitAsync());
        Assert.Contains("waiting to join the next coordinator", worker.AllOutput());
    }

    [Fact]
    public async Task Should_list_every_option_with_its_default_in_help()
    {
        await using var coordinator = ChildProcess.Start("Coordinator", TempDirectory, "--help");

        Assert.Equal(0, await coordinator.WaitForExitAsync());

        var help = coordinator.AllOutput();
        foreach (var spec in ShardedBackprop.Coordinator.CoordinatorOptions.Specs)
        {
            Assert.Contains(spec.Flag, help);
        }

        Assert.Contains("--learning-rate X", help);
        Assert.Contains("(default: 0.01)", help);
    }
}
