using System.Globalization;
using System.Text;
using ShardedBackprop.Model;
using ShardedBackprop.Training;

namespace ShardedBackprop.Tests.Cluster;

/// <summary>What a user watches: the Prometheus endpoint, the loss picture and progress lines.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ObservabilityTests() : TempDirectoryTest("sbp-watch-")
{
    [Fact]
    public async Task Should_serve_training_metrics_for_prometheus()
    {
        var port = Ports.Free();
        await using var coordinator = ChildProcess.Start("Coordinator", TempDirectory,
            "--port", "0", "--epochs", "100000", "--metrics-port", port.ToString(CultureInfo.InvariantCulture));
        await coordinator.WaitForLineAsync("epoch 20/100000");

        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
        coordinator.Interrupt();
        await coordinator.WaitForExitAsync();

        Assert.Matches(@"(?m)^sharded_backprop_epoch_loss\{[^}]*\} \d", metrics);
        Assert.Matches(@"(?m)^sharded_backprop_workers\{[^}]*\} 2$", metrics);
        Assert.Matches(@"(?m)^sharded_backprop_rows_per_second\{[^}]*\} \d", metrics);
        Assert.Matches(@"(?m)^sharded_backprop_step_duration_seconds_count\{[^}]*\} \d+", metrics);
        Assert.Matches(@"(?m)^sharded_backprop_steps_total\{[^}]*\} \d+", metrics);
    }

    [Fact]
    public async Task Should_draw_the_loss_curve_at_the_end()
    {
        var plot = Path.Combine(TempDirectory, "loss.png");
        await using var coordinator = ChildProcess.Start("Coordinator", TempDirectory, "--port", "0", "--epochs", "30", "--plot-out", plot);

        Assert.Equal(0, await coordinator.WaitForExitAsync());

        var png = File.ReadAllBytes(plot);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        Assert.Equal(900, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4))); // IHDR width
        Assert.Contains($"Loss curve drawn in {plot}", coordinator.AllOutput());
    }

    [Fact]
    public async Task Should_report_progress_within_a_long_epoch()
    {
        // 4000 rows in batches of one: thousands of round trips make an epoch last seconds.
        var data = Path.Combine(TempDirectory, "long.csv");
        var csv = new StringBuilder("a,b,y\n");
        for (var r = 0; r < 4000; r++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{r % 7},{r % 11},{(r % 7) + (2 * (r % 11))}\n");
        }

        File.WriteAllText(data, csv.ToString());
        var model = Path.Combine(TempDirectory, "model.json");
        await using var coordinator = ChildProcess.Start("Coordinator", TempDirectory,
            "--port", "0", "--local-workers", "1", "--data", data, "--batch-size", "1", "--epochs", "2", "--progress-every", "0.2", "--model-out", model);

        Assert.Equal(0, await coordinator.WaitForExitAsync());

        Assert.Matches(@"epoch 1/2: batch \d+/4000 \(\d+%\), \d+ rows/s, about \S+ left in this epoch, \S+ in the run", coordinator.AllOutput());
        var reference = ReferenceTrainer.Train(TrainingSetup.Create(new TrainingOptions { DataPath = data, BatchSize = 1, Epochs = 2 }));
        Assert.Equal(reference.Parameters, ModelFile.Read(model).Parameters);
    }
}
