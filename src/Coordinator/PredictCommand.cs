using System.Globalization;
using System.Text;
using ShardedBackprop.Data;
using ShardedBackprop.Hosting;
using ShardedBackprop.Model;

namespace ShardedBackprop.Coordinator;

/// <summary>`predict`: a model's predictions for new rows, in the target's original units, and their error when the target is known.</summary>
internal static class PredictCommand
{
    private const string Section = "Predict";

    private static readonly IReadOnlyList<OptionSpec> Specs =
    [
        new("--model", "Model", "The model file", "model.json", Value: "PATH"),
        new("--data", "Data", "CSV with the model's feature columns (and its target, to measure the error)", Value: "PATH"),
        new("--out", "Out", "Where to write the predictions as CSV", "standard output", Value: "PATH"),
    ];

    public static int Run(string[] args)
    {
        if (args.Contains("--help"))
        {
            Console.Write(CommandLine.Help("Usage: dotnet run --project src/Coordinator -- predict --model PATH --data PATH [--out PATH]", Section, Specs));
            return ExitCodes.Success;
        }

        try
        {
            var settings = CommandLine.Configuration(args, Specs, Section).GetSection(Section);
            var modelPath = settings["Model"] ?? "model.json";
            var dataPath = settings["Data"] ?? throw new InputException("--data: the rows to predict are required");
            var model = ModelFile.Read(modelPath);
            var data = CsvDataLoader.LoadForPrediction(dataPath, model.Features, model.Target);
            var predictions = Predict(model, data);
            var csv = ToCsv(model, data, predictions);
            if (settings["Out"] is { } outPath)
            {
                AtomicFile.WriteAllText(outPath, csv);
                Console.WriteLine($"{data.Rows} predictions written to {Path.GetFullPath(outPath)}");
                ReportError(Console.Out, model, data, predictions);
            }
            else
            {
                Console.Write(csv);
                ReportError(Console.Error, model, data, predictions);
            }

            return ExitCodes.Success;
        }
        catch (InputException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.BadInput;
        }
    }

    /// <summary>Predictions in original units: features scaled as in training, outputs unscaled.</summary>
    public static double[] Predict(ModelFile model, DataTable data)
    {
        var features = model.Standardization?.ScaleFeatures(data.Features) ?? data.Features;
        var predictions = new double[data.Rows];
        model.CreateNetwork().Predict(model.Parameters, features, predictions);
        model.Standardization?.UnscaleTargets(predictions);
        return predictions;
    }

    private static string ToCsv(ModelFile model, DataTable data, double[] predictions)
    {
        var text = new StringBuilder();
        text.AppendJoin(',', data.FeatureNames.Concat(data.TargetNames).Append($"predicted_{model.Target}")).Append('\n');
        for (var r = 0; r < data.Rows; r++)
        {
            foreach (var value in data.FeatureRow(r))
            {
                text.Append(value.ToString("R", CultureInfo.InvariantCulture)).Append(',');
            }

            if (data.HasTargets)
            {
                text.Append(data.Targets[r].ToString("R", CultureInfo.InvariantCulture)).Append(',');
            }

            text.Append(predictions[r].ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }

        return text.ToString();
    }

    private static void ReportError(TextWriter output, ModelFile model, DataTable data, double[] predictions)
    {
        if (!data.HasTargets)
        {
            return;
        }

        var sse = 0.0;
        for (var r = 0; r < data.Rows; r++)
        {
            var error = predictions[r] - data.Targets[r];
            sse += error * error;
        }

        var mse = sse / data.Rows;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{model.Target}: sse={sse:G6}  mse={mse:G6}  rmse={Math.Sqrt(mse):G6}  ({data.Rows} rows, original units)"));
    }
}
