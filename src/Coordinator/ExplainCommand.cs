using System.Globalization;
using System.Text;
using ShardedBackprop.Hosting;
using ShardedBackprop.Numerics;
using ShardedBackprop.Training;

namespace ShardedBackprop.Coordinator;

/// <summary>
/// `explain`: one step of training laid bare, for checking the notes' hand computation line by
/// line: the batch's inputs, every hidden output, yhat and the loss, then each parameter's value,
/// gradient and new value, named as in SEED.md.
/// </summary>
internal static class ExplainCommand
{
    private static readonly OptionSpec BatchSpec = new("--batch", "Batch", "Which batch of the first epoch to explain (1-based); earlier batches are trained first", "1", Value: "K");

    public static int Run(string[] args)
    {
        var specs = CoordinatorOptions.Specs.Append(BatchSpec).ToList();
        if (args.Contains("--help"))
        {
            Console.Write(CommandLine.Help("Usage: dotnet run --project src/Coordinator -- explain [options] [--batch K]", CoordinatorOptions.Section, specs));
            return ExitCodes.Success;
        }

        try
        {
            var configuration = CommandLine.Configuration(args, specs, CoordinatorOptions.Section);
            var options = CommandLine.Bind<CoordinatorOptions>(configuration, CoordinatorOptions.Section, specs);
            var batchText = configuration.GetSection(CoordinatorOptions.Section)["Batch"] ?? "1";
            var setup = TrainingSetup.Create(options.ToTrainingOptions());
            if (!int.TryParse(batchText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var batch) || batch < 1 || batch > setup.Plan.BatchesPerEpoch)
            {
                throw new InputException($"--batch: '{batchText}' is not a batch of the epoch (1 to {setup.Plan.BatchesPerEpoch})");
            }

            Console.Write(Explain(setup, batch));
            return ExitCodes.Success;
        }
        catch (InputException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.BadInput;
        }
    }

    /// <summary>The text for batch <paramref name="batch"/> (1-based) of the first epoch, at the parameters that step starts from.</summary>
    public static string Explain(TrainingSetup setup, int batch)
    {
        var network = setup.Network;
        var shape = setup.Shape;
        var progress = new TrainingProgress(setup);
        var sum = new GradientSum(network.ParameterCount);
        var workspace = network.CreateWorkspace();
        while (progress.Batch < batch - 1)
        {
            var (f, t) = setup.GatherRows(progress.BatchRows);
            sum.Clear();
            network.AccumulateRows(progress.Parameters, f, t, sum, workspace);
            progress.CompleteStep(sum);
        }

        var rows = progress.BatchRows.ToArray();
        var theta = (double[])progress.Parameters.Clone();
        var data = setup.Data;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Batch {batch} of {setup.Plan.BatchesPerEpoch}, epoch 1: rows {string.Join(", ", rows.Select(r => r + 1))} of {Path.GetFileName(data.Source)}; network {shape}, {network.HiddenActivation.Name()} hidden activation");
        text.AppendLine(setup.Scaler is null
            ? "Values are as in the file (--standardize false)."
            : "Values are standardised, (x - mean) / std, as the network trains on them (--standardize false shows raw values).");
        text.AppendLine();

        // Forward pass, row by row.
        var header = new List<string> { "row" };
        header.AddRange(data.FeatureNames.Select((n, i) => $"x{i + 1} ({n})"));
        for (var l = 1; l < shape.LayerCount; l++)
        {
            header.AddRange(Enumerable.Range(1, shape.FanOut(l)).Select(j => $"O{l}{Separator(shape.FanOut(l))}{j}"));
        }

        header.AddRange(data.TargetNames.Select(n => $"y ({n})"));
        header.AddRange(Enumerable.Range(1, shape.Outputs).Select(o => shape.Outputs == 1 ? "yhat" : $"yhat{o}"));
        header.Add("(yhat-y)^2");
        List<string[]> table = [[.. header]];
        sum.Clear();
        foreach (var row in rows)
        {
            network.Forward(theta, data.FeatureRow(row), workspace);
            network.Backward(theta, data.TargetRow(row), workspace);
            sum.AddRow(workspace.RowGradient, workspace.SquaredErrors);
            var cells = new List<string> { (row + 1).ToString(CultureInfo.InvariantCulture) };
            cells.AddRange(data.FeatureRow(row).ToArray().Select(Number));
            for (var l = 1; l < shape.LayerCount; l++)
            {
                cells.AddRange(workspace.Activations[l].Select(Number));
            }

            cells.AddRange(data.TargetRow(row).ToArray().Select(Number));
            cells.AddRange(workspace.Outputs.ToArray().Select(Number));
            cells.Add(Number(workspace.SquaredErrors.Sum()));
            table.Add([.. cells]);
        }

        AppendTable(text, table);
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"loss L = sum of (yhat - y)^2 over the batch = {Number(sum.RoundLoss())}");
        text.AppendLine();

        // Backward pass and update.
        var eta = setup.Options.LearningRate;
        var gradient = sum.RoundGradient();
        var names = shape.ParameterNames();
        List<string[]> update = [["parameter", "value", "dL/dtheta", $"new value = value - {Number(eta)} * dL/dtheta"]];
        var next = (double[])theta.Clone();
        Sgd.Step(next, gradient, eta);
        for (var k = 0; k < theta.Length; k++)
        {
            update.Add([names[k], Number(theta[k]), Number(gradient[k]), Number(next[k])]);
        }

        text.AppendLine("dL/dtheta = sum over the batch's rows of 2 (yhat - y) * d yhat / d theta:");
        AppendTable(text, update);
        return text.ToString();
    }

    private static string Separator(int count) => count > 9 ? "_" : "";

    private static string Number(double value) => value.ToString("G8", CultureInfo.InvariantCulture);

    private static void AppendTable(StringBuilder text, List<string[]> table)
    {
        var widths = Enumerable.Range(0, table[0].Length).Select(c => table.Max(r => r[c].Length)).ToArray();
        foreach (var row in table)
        {
            text.AppendLine(string.Join("  ", row.Select((cell, c) => c == 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd());
        }
    }
}
