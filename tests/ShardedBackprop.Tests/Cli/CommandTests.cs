using System.Globalization;
using System.Text.RegularExpressions;
using ShardedBackprop.Model;
using ShardedBackprop.Numerics;
using ShardedBackprop.Tests.Cluster;
using ShardedBackprop.Training;

namespace ShardedBackprop.Tests.Cli;

/// <summary>The coordinator's other commands, run as processes: reference, predict and explain.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CommandTests() : TempDirectoryTest("sbp-cli-")
{
    private string PathOf(string name) => Path.Combine(TempDirectory, name);

    private static string SeedData => TrainingSetup.DefaultDataPath;

    private async Task<(int Code, string Output)> RunAsync(params string[] args)
    {
        await using var process = ChildProcess.Start("Coordinator", TempDirectory, args);
        var code = await process.WaitForExitAsync();
        return (code, process.AllOutput());
    }

    [Fact]
    public async Task Should_write_the_reference_trainers_model()
    {
        var (code, output) = await RunAsync("reference", "--epochs", "20", "--model-out", PathOf("model.json"));

        Assert.Equal(0, code);
        Assert.Contains("epoch 20/20", output);
        Assert.Equal(ReferenceTrainer.Train(TrainingSetup.Create(new TrainingOptions { Epochs = 20 })).Parameters, ModelFile.Read(PathOf("model.json")).Parameters);
    }

    [Fact]
    public async Task Should_predict_in_original_units_and_measure_the_error_when_the_target_is_there()
    {
        Assert.Equal(0, (await RunAsync("reference", "--epochs", "200", "--model-out", PathOf("model.json"))).Code);
        var model = ModelFile.Read(PathOf("model.json"));

        var (code, output) = await RunAsync("predict", "--model", PathOf("model.json"), "--data", SeedData, "--out", PathOf("predictions.csv"));

        Assert.Equal(0, code);
        var lines = File.ReadAllLines(PathOf("predictions.csv"));
        Assert.Equal("IQ,level,Salary,predicted_Salary", lines[0]);
        Assert.Equal(9, lines.Length);
        var expected = ExpectedPredictions(model, File.ReadAllLines(SeedData).Skip(1).Select(l => l.Split(',').Select(double.Parse).ToArray()).ToArray());
        var predicted = lines.Skip(1).Select(l => double.Parse(l.Split(',')[3], CultureInfo.InvariantCulture)).ToArray();
        for (var r = 0; r < 8; r++)
        {
            Assert.Equal(expected[r], predicted[r], 1e-9 * Math.Abs(expected[r]));
        }

        var salaries = new[] { 50.0, 1000, 60, 65, 30, 5000, 35, 40 };
        var mse = salaries.Select((y, r) => (predicted[r] - y) * (predicted[r] - y)).Sum() / 8;
        var reported = Regex.Match(output, @"Salary: sse=(\S+)  mse=(\S+)  rmse=(\S+)  \(8 rows, original units\)");
        Assert.True(reported.Success, output);
        Assert.Equal(Math.Sqrt(mse), double.Parse(reported.Groups[3].Value, CultureInfo.InvariantCulture), 1e-4 * Math.Sqrt(mse));
    }

    [Fact]
    public async Task Should_predict_rows_without_a_target_and_reject_missing_features()
    {
        Assert.Equal(0, (await RunAsync("reference", "--epochs", "5", "--model-out", PathOf("model.json"))).Code);
        File.WriteAllText(PathOf("new.csv"), "level,IQ\n10,5\n3,3\n");
        File.WriteAllText(PathOf("wrong.csv"), "IQ,grade\n5,10\n");

        var (code, output) = await RunAsync("predict", "--model", PathOf("model.json"), "--data", PathOf("new.csv"));
        var (badCode, badOutput) = await RunAsync("predict", "--model", PathOf("model.json"), "--data", PathOf("wrong.csv"));

        Assert.Equal(0, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("IQ,level,predicted_Salary", lines[0]);
        Assert.StartsWith("5,10,", lines[1]);
        Assert.DoesNotContain("rmse", output);
        Assert.Equal(2, badCode);
        Assert.Equal($"error: {PathOf("wrong.csv")}:1: no feature column named 'level'; the columns are IQ, grade", badOutput.Trim());
    }

    [Fact]
    public async Task Should_explain_a_batch_with_the_seeds_names_and_numbers()
    {
        var (code, output) = await RunAsync("explain", "--standardize", "false", "--batch", "1", "--learning-rate", "0.001");

        Assert.Equal(0, code);
        Assert.Contains("Batch 1 of 4, epoch 1: rows 1, 2 of salary.csv; network 2-2-1", output);
        Assert.Matches(@"row\s+x1 \(IQ\)\s+x2 \(level\)\s+O11\s+O12\s+y \(Salary\)\s+yhat\s+\(yhat-y\)\^2", output);

        // Independently: SEED.md's gradient for w2_11 over rows 1-2 is sum 2 (yhat - y) O11.
        var setup = TrainingSetup.Create(new TrainingOptions { Standardize = false });
        var t = setup.InitialParameters;
        double O11(double x1, double x2) => (t[0] * x1) + (t[1] * x2) + t[2];
        double Yhat(double x1, double x2) => (t[6] * O11(x1, x2)) + (t[7] * ((t[3] * x1) + (t[4] * x2) + t[5])) + t[8];
        var gradient = (2 * (Yhat(3, 3) - 50) * O11(3, 3)) + (2 * (Yhat(8, 55) - 1000) * O11(8, 55));
        var row = Regex.Match(output, @"^w2_11\s+(\S+)\s+(\S+)\s+(\S+)$", RegexOptions.Multiline);
        Assert.True(row.Success, output);
        Assert.Equal(t[6], double.Parse(row.Groups[1].Value, CultureInfo.InvariantCulture), 1e-7 * Math.Abs(t[6]));
        Assert.Equal(gradient, double.Parse(row.Groups[2].Value, CultureInfo.InvariantCulture), 1e-7 * Math.Abs(gradient));
        Assert.Equal(t[6] - (0.001 * gradient), double.Parse(row.Groups[3].Value, CultureInfo.InvariantCulture), 1e-7 * Math.Abs(t[6] - (0.001 * gradient)));
        Assert.Equal(9, Regex.Matches(output, @"^(w\d_\d\d|b\d\d)\s", RegexOptions.Multiline).Count);
    }

    /// <summary>Predictions from the model file's numbers, by the formulas: scale, forward, unscale.</summary>
    private static double[] ExpectedPredictions(ModelFile model, double[][] rows)
    {
        var s = model.Standardization!;
        var network = new Mlp(model.Shape, model.HiddenActivation);
        return [.. rows.Select(row =>
        {
            double[] x = [(row[0] - s.FeatureMean[0]) / s.FeatureStd[0], (row[1] - s.FeatureMean[1]) / s.FeatureStd[1]];
            var y = new double[1];
            network.Predict(model.Parameters, x, y);
            return (y[0] * s.TargetStd[0]) + s.TargetMean[0];
        })];
    }
}
