using System.Text.Json;
using ShardedBackprop.Data;
using ShardedBackprop.Numerics;

namespace ShardedBackprop.Model;

/// <summary>How a model was trained, as recorded in its file.</summary>
public sealed record TrainingInfo(int Epochs, long Steps, int BatchSize, double LearningRate, ulong Seed, double FinalSse);

/// <summary>
/// A trained (or initial) network with what is needed to use it: feature and target names, the
/// scaler, and how it was trained. On disk it is JSON in format "sharded-backprop/1":
/// <code>
/// {"format":"sharded-backprop/1","features":[...],"target":"...","layers":[2,2,1],
///  "hiddenActivation":"linear","weights":[per layer [out][in]],"biases":[per layer [out]],
///  "standardization":{"featureMean":[...],"featureStd":[...],"targetMean":x,"targetStd":x} or null,
///  "training":{"epochs":..,"steps":..,"batchSize":..,"learningRate":..,"seed":..,"finalSse":..}}
/// </code>
/// Weights are [out][in] per layer, the order of PyTorch's nn.Linear.weight; doubles are written in
/// shortest round-trip form, so reading a file back gives the same bits.
/// </summary>
public sealed record ModelFile(
    IReadOnlyList<string> Features,
    string Target,
    NetworkShape Shape,
    Activation HiddenActivation,
    double[] Parameters,
    Standardization? Standardization,
    TrainingInfo? Training)
{
    public const string Format = "sharded-backprop/1";

    public Mlp CreateNetwork() => new(Shape, HiddenActivation);

    public void Write(string path) => AtomicFile.Write(path, stream =>
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        WriteJson(json);
    });

    private void WriteJson(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("format", Format);
        json.WriteStartArray("features");
        foreach (var f in Features)
        {
            json.WriteStringValue(f);
        }

        json.WriteEndArray();
        json.WriteString("target", Target);
        json.WriteStartArray("layers");
        foreach (var size in Shape.LayerSizes)
        {
            json.WriteNumberValue(size);
        }

        json.WriteEndArray();
        json.WriteString("hiddenActivation", HiddenActivation.Name());

        json.WriteStartArray("weights");
        for (var l = 1; l <= Shape.LayerCount; l++)
        {
            json.WriteStartArray();
            for (var j = 0; j < Shape.FanOut(l); j++)
            {
                WriteNumbers(json, null, Parameters.AsSpan(Shape.WeightIndex(l, j, 0), Shape.FanIn(l)));
            }

            json.WriteEndArray();
        }

        json.WriteEndArray();
        json.WriteStartArray("biases");
        for (var l = 1; l <= Shape.LayerCount; l++)
        {
            json.WriteStartArray();
            for (var j = 0; j < Shape.FanOut(l); j++)
            {
                json.WriteNumberValue(Parameters[Shape.BiasIndex(l, j)]);
            }

            json.WriteEndArray();
        }

        json.WriteEndArray();

        if (Standardization is { } s)
        {
            json.WriteStartObject("standardization");
            WriteNumbers(json, "featureMean", s.FeatureMean);
            WriteNumbers(json, "featureStd", s.FeatureStd);
            json.WriteNumber("targetMean", s.TargetMean[0]);
            json.WriteNumber("targetStd", s.TargetStd[0]);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("standardization");
        }

        if (Training is { } t)
        {
            json.WriteStartObject("training");
            json.WriteNumber("epochs", t.Epochs);
            json.WriteNumber("steps", t.Steps);
            json.WriteNumber("batchSize", t.BatchSize);
            json.WriteNumber("learningRate", t.LearningRate);
            json.WriteNumber("seed", t.Seed);
            json.WriteNumber("finalSse", t.FinalSse);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("training");
        }

        json.WriteEndObject();
    }

    private static void WriteNumbers(Utf8JsonWriter json, string? name, ReadOnlySpan<double> values)
    {
        if (name is null)
        {
            json.WriteStartArray();
        }
        else
        {
            json.WriteStartArray(name);
        }

        foreach (var v in values)
        {
            json.WriteNumberValue(v);
        }

        json.WriteEndArray();
    }

    /// <summary>Reads and validates a model file; any problem is an <see cref="InputException"/> naming the file and the field.</summary>
    public static ModelFile Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new InputException($"{path}: model file not found");
        }

        try
        {
            using var stream = File.OpenRead(path); // a stream skips a byte-order mark
            using var document = JsonDocument.Parse(stream);
            return FromJson(new ModelReader(path), document.RootElement);
        }
        catch (IOException e)
        {
            throw new InputException($"{path}: cannot read: {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InputException($"{path}: cannot read: {e.Message}");
        }
        catch (JsonException e)
        {
            throw InputException.At(path, (e.LineNumber ?? 0) + 1, (int)(e.BytePositionInLine ?? 0) + 1, "not valid JSON");
        }
    }

    private static ModelFile FromJson(ModelReader r, JsonElement root)
    {
        var format = r.Text(root, "format");
        if (format != Format)
        {
            throw r.Error("format", $"is '{format}', expected '{Format}'");
        }

        var features = r.Array(root, "features").EnumerateArray().Select((e, i) => r.String(e, $"features[{i}]")).ToArray();
        var target = r.Text(root, "target");
        var layers = r.Array(root, "layers").EnumerateArray().Select((e, i) => r.Int(e, $"layers[{i}]")).ToArray();
        if (layers.Length < 2 || layers.Any(s => s <= 0))
        {
            throw r.Error("layers", "must list at least two positive sizes (inputs, ..., outputs)");
        }

        var shape = new NetworkShape(layers);
        if (shape.Inputs != features.Length)
        {
            throw r.Error("layers", $"has {shape.Inputs} inputs but 'features' names {features.Length}");
        }

        if (shape.Outputs != 1)
        {
            throw r.Error("layers", $"has {shape.Outputs} outputs but a model has one target");
        }

        var activationName = r.Text(root, "hiddenActivation");
        if (!ActivationFunctions.TryParse(activationName, out var activation))
        {
            throw r.Error("hiddenActivation", $"'{activationName}' is not one of linear, relu, tanh, sigmoid");
        }

        var parameters = new double[shape.ParameterCount];
        var weights = r.Array(root, "weights");
        var biases = r.Array(root, "biases");
        r.RequireLength(weights, "weights", shape.LayerCount);
        r.RequireLength(biases, "biases", shape.LayerCount);
        for (var l = 1; l <= shape.LayerCount; l++)
        {
            var layerWeights = weights[l - 1];
            var layerBiases = biases[l - 1];
            r.RequireLength(layerWeights, $"weights[{l - 1}]", shape.FanOut(l));
            r.RequireLength(layerBiases, $"biases[{l - 1}]", shape.FanOut(l));
            for (var j = 0; j < shape.FanOut(l); j++)
            {
                var row = layerWeights[j];
                r.RequireLength(row, $"weights[{l - 1}][{j}]", shape.FanIn(l));
                for (var i = 0; i < shape.FanIn(l); i++)
                {
                    parameters[shape.WeightIndex(l, j, i)] = r.Double(row[i], $"weights[{l - 1}][{j}][{i}]");
                }

                parameters[shape.BiasIndex(l, j)] = r.Double(layerBiases[j], $"biases[{l - 1}][{j}]");
            }
        }

        Standardization? standardization = null;
        if (root.TryGetProperty("standardization", out var s) && s.ValueKind != JsonValueKind.Null)
        {
            var mean = r.Doubles(s, "featureMean", "standardization.featureMean", features.Length);
            var std = r.Doubles(s, "featureStd", "standardization.featureStd", features.Length);
            var targetMean = r.Double(r.Property(s, "targetMean", "standardization.targetMean"), "standardization.targetMean");
            var targetStd = r.Double(r.Property(s, "targetStd", "standardization.targetStd"), "standardization.targetStd");
            if (std.Any(d => d <= 0) || targetStd <= 0)
            {
                throw r.Error("standardization", "deviations must be positive");
            }

            standardization = new Standardization(mean, std, [targetMean], [targetStd]);
        }

        TrainingInfo? training = null;
        if (root.TryGetProperty("training", out var t) && t.ValueKind != JsonValueKind.Null)
        {
            training = new TrainingInfo(
                r.Int(r.Property(t, "epochs", "training.epochs"), "training.epochs"),
                r.Long(r.Property(t, "steps", "training.steps"), "training.steps"),
                r.Int(r.Property(t, "batchSize", "training.batchSize"), "training.batchSize"),
                r.Double(r.Property(t, "learningRate", "training.learningRate"), "training.learningRate"),
                r.ULong(r.Property(t, "seed", "training.seed"), "training.seed"),
                r.Double(r.Property(t, "finalSse", "training.finalSse"), "training.finalSse"));
        }

        return new ModelFile(features, target, shape, activation, parameters, standardization, training);
    }

    /// <summary>Typed access to JSON values with errors that name the file and the field.</summary>
    private sealed class ModelReader(string path)
    {
        public InputException Error(string field, string what) => new($"{path}: '{field}' {what}");

        public JsonElement Property(JsonElement parent, string name, string field) =>
            parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value)
                ? value
                : throw Error(field, "is missing");

        public string Text(JsonElement parent, string name) => String(Property(parent, name, name), name);

        public string String(JsonElement e, string field) =>
            e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Error(field, "must be a string");

        public JsonElement Array(JsonElement parent, string name)
        {
            var e = Property(parent, name, name);
            return e.ValueKind == JsonValueKind.Array ? e : throw Error(name, "must be an array");
        }

        public void RequireLength(JsonElement e, string field, int length)
        {
            if (e.ValueKind != JsonValueKind.Array)
            {
                throw Error(field, "must be an array");
            }

            if (e.GetArrayLength() != length)
            {
                throw Error(field, $"has {e.GetArrayLength()} entries, the network's shape needs {length}");
            }
        }

        public double Double(JsonElement e, string field) =>
            e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out var v) && double.IsFinite(v) ? v : throw Error(field, "must be a finite number");

        public double[] Doubles(JsonElement parent, string name, string field, int length)
        {
            var e = Property(parent, name, field);
            RequireLength(e, field, length);
            return [.. e.EnumerateArray().Select((x, i) => Double(x, $"{field}[{i}]"))];
        }

        public int Int(JsonElement e, string field) =>
            e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var v) ? v : throw Error(field, "must be an integer");

        public long Long(JsonElement e, string field) =>
            e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var v) ? v : throw Error(field, "must be an integer");

        public ulong ULong(JsonElement e, string field) =>
            e.ValueKind == JsonValueKind.Number && e.TryGetUInt64(out var v) ? v : throw Error(field, "must be a non-negative integer");
    }
}
