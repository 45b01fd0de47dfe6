using ShardedBackprop.Model;
using ShardedBackprop.Numerics;
using ShardedBackprop.Training;

namespace ShardedBackprop.Tests.Model;

public sealed class TrainingSetupInitWeightsTests : IDisposable
{
    private readonly string _directory;

    public TrainingSetupInitWeightsTests()
    {
        _directory = Path.Combine(Path.GetTempPath(), "ShardedBackprop.Tests", nameof(TrainingSetupInitWeightsTests), Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string WriteModel(int[] layers, Activation activation, double[] parameters)
    {
        var path = Path.Combine(_directory, "init.json");
        new ModelFile(["IQ", "level"], "Salary", new NetworkShape(layers), activation, parameters, null, null).Write(path);
        return path;
    }

    private static double[] Values(int count) => [.. Enumerable.Range(0, count).Select(k => ((k * 0.37) - 1.1) / 3)];

    [Fact]
    public void Should_reject_init_weights_of_another_shape()
    {
        // Arrange: the run's network is 2-2-1 (two features, hidden [2], one target).
        var path = WriteModel([2, 3, 1], Activation.Linear, Values(13));
        var options = new TrainingOptions { Hidden = [2], InitWeightsPath = path };

        // Act
        var e = Assert.Throws<InputException>(() => TrainingSetup.Create(options));

        // Assert
        Assert.StartsWith("--init-weights: ", e.Message);
        Assert.Equal($"--init-weights: {path} has layers 2-3-1 but this run's network is 2-2-1", e.Message);
    }

    [Fact]
    public void Should_reject_init_weights_with_another_hidden_activation()
    {
        // Arrange
        var path = WriteModel([2, 2, 1], Activation.Tanh, Values(9));
        var options = new TrainingOptions { Hidden = [2], Activation = Activation.Linear, InitWeightsPath = path };

        // Act
        var e = Assert.Throws<InputException>(() => TrainingSetup.Create(options));

        // Assert
        Assert.Equal($"--init-weights: {path} uses activation tanh but this run uses linear", e.Message);
    }

    [Fact]
    public void Should_start_from_the_parameters_of_a_matching_model_file()
    {
        // Arrange
        var parameters = Values(9);
        parameters[0] = 0.1;
        parameters[4] = 5e-324;
        parameters[8] = -123456.789e10;
        var path = WriteModel([2, 2, 1], Activation.Linear, parameters);
        var options = new TrainingOptions { Hidden = [2], Activation = Activation.Linear, InitWeightsPath = path, Seed = 7 };

        // Act
        var setup = TrainingSetup.Create(options);

        // Assert
        Assert.Equal(new NetworkShape([2, 2, 1]), setup.Shape);
        Assert.Equal(
            parameters.Select(BitConverter.DoubleToInt64Bits),
            setup.InitialParameters.Select(BitConverter.DoubleToInt64Bits));
        Assert.NotEqual(Initialization.Uniform(setup.Shape, 7), setup.InitialParameters);
    }
}
