using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ShardedBackprop.Data;
using ShardedBackprop.Model;
using ShardedBackprop.Numerics;

namespace ShardedBackprop.Tests.Model;

public sealed class ModelFileTests : IDisposable
{
    private readonly string _directory;

    public ModelFileTests()
    {
        _directory = Path.Combine(Path.GetTempPath(), "ShardedBackprop.Tests", nameof(ModelFileTests), Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    /// <summary>Awkward doubles first, then random finite bit patterns.</summary>
    private static double[] Parameters(int count, int seed)
    {
        double[] special = [0.1, 1e-300, -123456.789e10, 5e-324, -0.0, double.MaxValue, double.MinValue, 2.2250738585072014E-308, 1.0 / 3, -1.0, 0.0, 123.0];
        var random = new Random(seed);
        var values = new double[count];
        for (var k = 0; k < count; k++)
        {
            if (k < special.Length)
            {
                values[k] = special[k];
                continue;
            }

            double v;
            do
            {
                v = BitConverter.Int64BitsToDouble(random.NextInt64(long.MinValue, long.MaxValue));
            }
            while (!double.IsFinite(v));
            values[k] = v;
        }

        return values;
    }

    // 2-4-3-1 tanh: 4*3 + 3*5 + 1*4 = 31 parameters.
    private static ModelFile SampleModel() => new(
        ["IQ", "level"],
        "Salary",
        new NetworkShape([2, 4, 3, 1]),
        Activation.Tanh,
        Parameters(31, seed: 1234),
        new Standardization([4.875, 21.5], [2.3150318572560118, 29.69469648266523], [660.0], [1644.5]),
        new TrainingInfo(Epochs: 250, Steps: (1L << 40) + 3, BatchSize: 2, LearningRate: 0.01, Seed: ulong.MaxValue, FinalSse: 1.2345678901234567e-7));

    private static long[] Bits(IEnumerable<double> values) => [.. values.Select(BitConverter.DoubleToInt64Bits)];

    private string WriteSample(string name = "model.json")
    {
        var path = PathOf(name);
        SampleModel().Write(path);
        return path;
    }

    /// <summary>Writes the sample model, lets <paramref name="edit"/> change its JSON, and saves the result.</summary>
    private string WriteEdited(Action<JsonObject> edit)
    {
        var path = WriteSample();
        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(root);
        File.WriteAllText(path, root.ToJsonString());
        return path;
    }

    private static int MantissaDigits(string number)
    {
        var mantissa = number.TrimStart('-').Split('e', 'E')[0].Replace(".", "", StringComparison.Ordinal);
        return System.Math.Max(mantissa.Trim('0').Length, 1);
    }

    [Fact]
    public void Should_read_back_every_parameter_with_identical_bits()
    {
        // Arrange
        var model = SampleModel();
        var path = PathOf("model.json");

        // Act
        model.Write(path);
        var read = ModelFile.Read(path);

        // Assert
        Assert.Equal(model.Parameters.Length, read.Parameters.Length);
        Assert.Equal(Bits(model.Parameters), Bits(read.Parameters));
    }

    [Fact]
    public void Should_read_back_names_shape_activation_standardization_and_training()
    {
        // Arrange
        var model = SampleModel();
        var path = PathOf("model.json");

        // Act
        model.Write(path);
        var read = ModelFile.Read(path);

        // Assert
        Assert.Equal(model.Features, read.Features);
        Assert.Equal(model.Target, read.Target);
        Assert.Equal(model.Shape, read.Shape);
        Assert.Equal(model.Shape.LayerSizes, read.Shape.LayerSizes);
        Assert.Equal(model.HiddenActivation, read.HiddenActivation);
        Assert.NotNull(read.Standardization);
        Assert.Equal(Bits(model.Standardization!.FeatureMean), Bits(read.Standardization.FeatureMean));
        Assert.Equal(Bits(model.Standardization.FeatureStd), Bits(read.Standardization.FeatureStd));
        Assert.Equal(Bits(model.Standardization.TargetMean), Bits(read.Standardization.TargetMean));
        Assert.Equal(Bits(model.Standardization.TargetStd), Bits(read.Standardization.TargetStd));
        Assert.Equal(model.Training, read.Training);
    }

    [Fact]
    public void Should_read_back_a_model_without_standardization_or_training()
    {
        // Arrange
        var model = SampleModel() with { HiddenActivation = Activation.Relu, Standardization = null, Training = null };
        var path = PathOf("model.json");

        // Act
        model.Write(path);
        var read = ModelFile.Read(path);

        // Assert
        Assert.Equal(Activation.Relu, read.HiddenActivation);
        Assert.Null(read.Standardization);
        Assert.Null(read.Training);
        Assert.Equal(Bits(model.Parameters), Bits(read.Parameters));
    }

    [Fact]
    public void Should_write_the_documented_fields()
    {
        // Arrange
        var model = SampleModel();
        var path = PathOf("model.json");

        // Act
        model.Write(path);

        // Assert
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = document.RootElement;
        Assert.Equal(
            ["format", "features", "target", "layers", "hiddenActivation", "weights", "biases", "standardization", "training"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("sharded-backprop/1", root.GetProperty("format").GetString());
        Assert.Equal(["IQ", "level"], root.GetProperty("features").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("Salary", root.GetProperty("target").GetString());
        Assert.Equal([2, 4, 3, 1], root.GetProperty("layers").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal("tanh", root.GetProperty("hiddenActivation").GetString());

        var standardization = root.GetProperty("standardization");
        Assert.Equal(model.Standardization!.FeatureMean, standardization.GetProperty("featureMean").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal(model.Standardization.FeatureStd, standardization.GetProperty("featureStd").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal(model.Standardization.TargetMean[0], standardization.GetProperty("targetMean").GetDouble());
        Assert.Equal(model.Standardization.TargetStd[0], standardization.GetProperty("targetStd").GetDouble());

        var training = root.GetProperty("training");
        Assert.Equal(model.Training!.Epochs, training.GetProperty("epochs").GetInt32());
        Assert.Equal(model.Training.Steps, training.GetProperty("steps").GetInt64());
        Assert.Equal(model.Training.BatchSize, training.GetProperty("batchSize").GetInt32());
        Assert.Equal(model.Training.LearningRate, training.GetProperty("learningRate").GetDouble());
        Assert.Equal(model.Training.Seed, training.GetProperty("seed").GetUInt64());
        Assert.Equal(model.Training.FinalSse, training.GetProperty("finalSse").GetDouble());
    }

    [Fact]
    public void Should_write_weights_as_layer_out_in_and_biases_as_layer_out()
    {
        // Arrange
        var model = SampleModel();
        var shape = model.Shape;
        var path = PathOf("model.json");

        // Act
        model.Write(path);

        // Assert
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var weights = document.RootElement.GetProperty("weights");
        var biases = document.RootElement.GetProperty("biases");
        Assert.Equal(shape.LayerCount, weights.GetArrayLength());
        Assert.Equal(shape.LayerCount, biases.GetArrayLength());
        var seen = new HashSet<int>();
        for (var l = 1; l <= shape.LayerCount; l++)
        {
            Assert.Equal(shape.LayerSizes[l], weights[l - 1].GetArrayLength());
            Assert.Equal(shape.LayerSizes[l], biases[l - 1].GetArrayLength());
            for (var j = 0; j < shape.LayerSizes[l]; j++)
            {
                Assert.Equal(shape.LayerSizes[l - 1], weights[l - 1][j].GetArrayLength());
                for (var i = 0; i < shape.LayerSizes[l - 1]; i++)
                {
                    var index = shape.WeightIndex(l, j, i);
                    Assert.True(seen.Add(index));
                    Assert.Equal(BitConverter.DoubleToInt64Bits(model.Parameters[index]), BitConverter.DoubleToInt64Bits(weights[l - 1][j][i].GetDouble()));
                }

                var bias = shape.BiasIndex(l, j);
                Assert.True(seen.Add(bias));
                Assert.Equal(BitConverter.DoubleToInt64Bits(model.Parameters[bias]), BitConverter.DoubleToInt64Bits(biases[l - 1][j].GetDouble()));
            }
        }

        Assert.Equal(model.Parameters.Length, seen.Count);
    }

    [Fact]
    public void Should_write_doubles_in_shortest_round_trip_form()
    {
        // Arrange
        var model = SampleModel();
        var path = PathOf("model.json");

        // Act
        model.Write(path);

        // Assert
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = document.RootElement;
        var w = root.GetProperty("weights");
        Assert.Equal(0.1, model.Parameters[model.Shape.WeightIndex(1, 0, 0)]);
        Assert.Equal("0.1", w[0][0][0].GetRawText());
        Assert.Equal("0.01", root.GetProperty("training").GetProperty("learningRate").GetRawText());
        Assert.Equal("4.875", root.GetProperty("standardization").GetProperty("featureMean")[0].GetRawText());
        var numbers = w.EnumerateArray().SelectMany(layer => layer.EnumerateArray()).SelectMany(row => row.EnumerateArray())
            .Concat(root.GetProperty("biases").EnumerateArray().SelectMany(layer => layer.EnumerateArray()));
        foreach (var number in numbers)
        {
            var text = number.GetRawText();
            var value = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            Assert.Equal(MantissaDigits(value.ToString("R", CultureInfo.InvariantCulture)), MantissaDigits(text));
        }
    }

    [Fact]
    public void Should_leave_no_temporary_file_after_writing()
    {
        // Act
        var path = WriteSample();

        // Assert
        Assert.Equal([path], Directory.GetFiles(_directory));
    }

    [Fact]
    public void Should_replace_an_existing_file()
    {
        // Arrange
        var path = PathOf("model.json");
        File.WriteAllText(path, "old content that is not a model");
        var model = SampleModel() with { Target = "Pay" };

        // Act
        model.Write(path);

        // Assert
        Assert.Equal([path], Directory.GetFiles(_directory));
        Assert.Equal("Pay", ModelFile.Read(path).Target);
    }

    [Fact]
    public void Should_leave_the_old_file_and_no_temporary_file_when_writing_fails()
    {
        // Arrange: JSON has no NaN, so the writer fails part way through.
        var path = WriteSample();
        var before = File.ReadAllBytes(path);
        var parameters = Parameters(31, seed: 99);
        parameters[20] = double.NaN;
        var broken = SampleModel() with { Parameters = parameters };

        // Act
        Assert.ThrowsAny<ArgumentException>(() => broken.Write(path));

        // Assert
        Assert.Equal([path], Directory.GetFiles(_directory));
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void Should_create_the_directory_when_writing()
    {
        // Arrange
        var path = Path.Combine(_directory, "a", "b", "model.json");

        // Act
        SampleModel().Write(path);

        // Assert
        Assert.Equal([path], Directory.GetFiles(Path.Combine(_directory, "a", "b")));
        Assert.Equal(Bits(SampleModel().Parameters), Bits(ModelFile.Read(path).Parameters));
    }

    [Fact]
    public void Should_report_missing_model_file()
    {
        // Arrange
        var path = PathOf("absent.json");

        // Act
        var e = Assert.Throws<InputException>(() => ModelFile.Read(path));

        // Assert
        Assert.Equal($"{path}: model file not found", e.Message);
    }

    [Fact]
    public void Should_report_line_and_column_of_invalid_json()
    {
        // Arrange: the array on line 3 is cut off by the '}' at the start of line 4.
        var path = PathOf("model.json");
        File.WriteAllText(path, "{\n  \"format\": \"sharded-backprop/1\",\n  \"features\": [\"IQ\",\n}\n");

        // Act
        var e = Assert.Throws<InputException>(() => ModelFile.Read(path));

        // Assert
        Assert.Equal($"{path}:4:1: not valid JSON", e.Message);
    }

    [Fact]
    public void Should_report_truncated_model_file_as_invalid_json()
    {
        // Arrange
        var path = WriteSample();
        var lines = File.ReadAllLines(path);
        File.WriteAllLines(path, lines[..10]);

        // Act
        var e = Assert.Throws<InputException>(() => ModelFile.Read(path));

        // Assert: the text ends after line 10, so the error is on line 11 at the earliest.
        Assert.Matches($"^{System.Text.RegularExpressions.Regex.Escape(path)}:(1[1-9]|[2-9][0-9]):[0-9]+: not valid JSON$", e.Message);
    }

    [Fact]
    public void Should_read_a_model_file_that_starts_with_a_byte_order_mark()
    {
        // Arrange: e.g. saved by an editor that writes UTF-8 with BOM.
        var path = WriteSample();
        var text = File.ReadAllText(path);
        File.WriteAllText(path, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        // Act
        var read = ModelFile.Read(path);

        // Assert
        Assert.Equal(Bits(SampleModel().Parameters), Bits(read.Parameters));
    }

    [Fact]
    public void Should_report_wrong_format()
    {
        // Arrange
        var path = WriteEdited(root => root["format"] = "sharded-backprop/2");

        // Act
        var e = Assert.Throws<InputException>(() => ModelFile.Read(path));

        // Assert
        Assert.Equal($"{path}: 'format' is 'sharded-backprop/2', expected 'sharded-backprop/1'", e.Message);
    }

    [Fact]
    public void Should_report_missing_format()
    {
        // Arrange
        var path = WriteEdited(root => root.Remove("format"));

        // Act
        var e = Assert.Throws<InputException>(() => ModelFile.Read(path));

        // Assert
        Assert.Equal($"{path}: 'format' is missing", e.Message);
    }

    [Fact]
    public void Should_report_wrong_number_of_weight_layers()
    {
        // Arrange
        var path = WriteEdited(root => root["weights"]!.AsArray().RemoveAt(2));

        // Act
        var e = Assert.Throws<InputException>(() => ModelFile.Read(path));

        // Assert
        Assert.Equal($"{path}: 'weights' has 2 entries, the network's shape needs 3", e.Message);
    }

    [Fact]
    public void Should_report_wrong_number_of_weight_rows()
    {
        // Arrange: layer 2 has 3 neurons.
        var path = WriteEdited(root => root["weights"]![1]!.AsArray().RemoveAt(0));

        // Act
        var e = Assert.Throws<InputException>(() => ModelFile.Read(path));

        // Assert
        Assert.Equal($"{path}: 'weights[1]' has 2 entries, the network's shape needs 3", e.Message);
    }

    [Fact]
    public void Should_report_weight_row_of_wrong_length()
    {
        // Arrange: layer 2's neurons each have 4 inputs.
        var path = WriteEdited(root => root["weights"]![1]![2]!.AsArray().Add(1.5));

        // Act
        var e = Assert.Throws<InputException>(() => ModelFile.Read(path));

        // Assert
        Assert.Equal($"{path}: 'weights[1][2]' has 5 entries, the network's shape needs 4", e.Message);
    }

    [Fact]
    public void Should_report_wrong_number_of_biases()
    {
        // Arrange
        var path = WriteEdited(root => root["biases"]![0]!.AsArray().Add(0.5));

        // Act
        var e = Assert.Throws<InputException>(() => ModelFile.Read(path));

        // Assert
        Assert.Equal($"{path}: 'biases[0]' has 5 entries, the network's shape needs 4", e.Message);
    }

    [Fact]
    public void Should_report_non_numeric_weight()
    {
        // Arrange
        var path = WriteEdited(root => root["weights"]![0]![1]![0] = "abc");

        // Act
        var e = Assert.Throws<InputException>(() => ModelFile.Read(path));

        // Assert
        Assert.Equal($"{path}: 'weights[0][1][0]' must be a finite number", e.Message);
    }

    [Fact]
    public void Should_report_non_numeric_bias()
    {
        // Arrange
        var path = WriteEdited(root => root["biases"]![2]![0] = null);

        // Act
        var e = Assert.Throws<InputException>(() => ModelFile.Read(path));

        // Assert
        Assert.Equal($"{path}: 'biases[2][0]' must be a finite number", e.Message);
    }

    [Fact]
    public void Should_report_weight_that_overflows_a_double()
    {
        // Arrange
        var path = WriteEdited(root => root["weights"]![0]![0]![1] = "OVERFLOW");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"OVERFLOW\"", "1e999", StringComparison.Ordinal));

        // Act
        var e = Assert.Throws<InputException>(() => ModelFile.Read(path));

        // Assert
        Assert.Equal($"{path}: 'weights[0][0][1]' must be a finite number", e.Message);
    }

    [Fact]
    public void Should_report_layers_that_do_not_match_the_features()
    {
        // Arrange
        var path = WriteEdited(root => root["features"]!.AsArray().Add("age"));

        // Act
        var e = Assert.Throws<InputException>(() => ModelFile.Read(path));

        // Assert
        Assert.Equal($"{path}: 'layers' has 2 inputs but 'features' names 3", e.Message);
    }

    [Fact]
    public void Should_report_unknown_activation()
    {
        // Arrange
        var path = WriteEdited(root => root["hiddenActivation"] = "softmax");

        // Act
        var e = Assert.Throws<InputException>(() => ModelFile.Read(path));

        // Assert
        Assert.Equal($"{path}: 'hiddenActivation' 'softmax' is not one of linear, relu, tanh, sigmoid", e.Message);
    }

    [Fact]
    public void Should_report_non_positive_standard_deviation()
    {
        // Arrange
        var path = WriteEdited(root => root["standardization"]!["featureStd"]![1] = 0);

        // Act
        var e = Assert.Throws<InputException>(() => ModelFile.Read(path));

        // Assert
        Assert.Equal($"{path}: 'standardization' deviations must be positive", e.Message);
    }

    [Fact]
    public void Should_report_missing_training_field()
    {
        // Arrange
        var path = WriteEdited(root => root["training"]!.AsObject().Remove("steps"));

        // Act
        var e = Assert.Throws<InputException>(() => ModelFile.Read(path));

        // Assert
        Assert.Equal($"{path}: 'training.steps' is missing", e.Message);
    }
}
