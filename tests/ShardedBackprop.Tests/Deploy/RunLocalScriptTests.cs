using System.Globalization;
using ShardedBackprop.Model;
using ShardedBackprop.Tests.Cluster;
using ShardedBackprop.Training;

namespace ShardedBackprop.Tests.Deploy;

/// <summary>deploy/run-local.sh: a coordinator and N worker processes on loopback, their lines prefixed.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RunLocalScriptTests() : TempDirectoryTest("sbp-run-local-")
{
    [Fact]
    public async Task Should_train_with_two_worker_processes_to_the_reference_bits_with_every_line_prefixed()
    {
        var port = Ports.Free().ToString(CultureInfo.InvariantCulture);
        var model = Path.Combine(TempDirectory, "model.json");
        await using var script = ChildProcess.StartScript("run-local.sh", TempDirectory, null,
            "2", "--port", port, "--epochs", "30", "--model-out", model, "--state-dir", Path.Combine(TempDirectory, "state"));

        // The first run builds the solution in Release.
        var exitCode = await script.WaitForExitAsync(TimeSpan.FromMinutes(5));

        Assert.True(exitCode == 0, $"exit code {exitCode}; output:\n{script.AllOutput()}");
        var expected = ReferenceTrainer.Train(TrainingSetup.Create(new TrainingOptions { Epochs = 30 })).Parameters;
        Assert.Equal(expected, ModelFile.Read(model).Parameters);

        var lines = script.Lines;
        var unprefixed = lines.Where(l => !System.Text.RegularExpressions.Regex.IsMatch(l, @"^\[(run-local|coordinator|worker-[12])\] ")).ToList();
        Assert.True(unprefixed.Count == 0, "lines without a process name:\n" + string.Join("\n", unprefixed));
        Assert.Contains(lines, l => l.StartsWith("[coordinator] ", StringComparison.Ordinal) && l.Contains($"Waiting for 2 worker(s) to join akka.tcp://ShardedBackprop@127.0.0.1:{port}"));
        Assert.Equal(2, lines.Count(l => l.StartsWith("[coordinator] ", StringComparison.Ordinal) && l.Contains("Worker joined: akka.tcp://ShardedBackprop@127.0.0.1:")));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\[coordinator\] \S+ info epoch 30/30  sse=\S+ .* steps=120  workers=2 "));
        Assert.Contains(lines, l => l.StartsWith("[coordinator] ", StringComparison.Ordinal) && l.EndsWith("Model written to " + model, StringComparison.Ordinal));
        foreach (var worker in new[] { "[worker-1] ", "[worker-2] " })
        {
            Assert.Contains(lines, l => l.StartsWith(worker, StringComparison.Ordinal) && l.Contains($"joining akka.tcp://ShardedBackprop@127.0.0.1:{port}"));
            Assert.Contains(lines, l => l.StartsWith(worker, StringComparison.Ordinal) && l.EndsWith("Coordinator finished training", StringComparison.Ordinal));
        }

        Assert.Equal("[run-local] coordinator exited with code 0", lines[^1]);
        Assert.Empty(ProcessesWithArgument($"127.0.0.1:{port}"));
    }

    [Fact]
    public async Task Should_stop_the_workers_and_pass_on_the_coordinators_exit_code_when_it_fails()
    {
        var port = Ports.Free().ToString(CultureInfo.InvariantCulture);
        await using var script = ChildProcess.StartScript("run-local.sh", TempDirectory, null,
            "2", "--port", port, "--learning-rate", "fast");

        var exitCode = await script.WaitForExitAsync(TimeSpan.FromMinutes(5));

        Assert.True(exitCode == 2, $"exit code {exitCode}; output:\n{script.AllOutput()}");
        Assert.Contains("[coordinator] error: --learning-rate: 'fast' is not a finite number", script.Lines);
        Assert.Equal("[run-local] coordinator exited with code 2", script.Lines[^1]);
        Assert.False(File.Exists(Path.Combine(TempDirectory, "model.json")));
        Assert.Empty(ProcessesWithArgument($"127.0.0.1:{port}")); // the workers, waiting for a coordinator, were stopped
    }

    [Theory]
    [InlineData("0")]
    [InlineData("two")]
    public async Task Should_reject_a_worker_count_that_is_not_a_positive_number(string workers)
    {
        await using var script = ChildProcess.StartScript("run-local.sh", TempDirectory, null, workers);

        Assert.Equal(2, await script.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("usage: ", script.AllOutput());
    }

    /// <summary>Ids of the running processes with <paramref name="argument"/> among their arguments.</summary>
    private static List<int> ProcessesWithArgument(string argument)
    {
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var id))
            {
                continue;
            }

            try
            {
                var arguments = File.ReadAllText(Path.Combine(directory, "cmdline")).Split('\0');
                if (arguments.Contains(argument))
                {
                    found.Add(id);
                }
            }
            catch (IOException)
            {
                // the process ended meanwhile
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return found;
    }
}
