using ShardedBackprop.Coordinator;
using ShardedBackprop.Hosting;

namespace ShardedBackprop.Tests.Hosting;

public sealed class CommandLineTests() : TempDirectoryTest("sbp-options-")
{
    private CoordinatorOptions Load(params string[] args) =>
        CommandLine.Bind<CoordinatorOptions>(
            CommandLine.Configuration(args, CoordinatorOptions.Specs, CoordinatorOptions.Section, TempDirectory),
            CoordinatorOptions.Section,
            CoordinatorOptions.Specs);

    [Fact]
    public void Should_use_the_documented_defaults()
    {
        var options = Load();

        Assert.Equal(100, options.Epochs);
        Assert.Equal(0.01, options.LearningRate);
        Assert.Equal(42UL, options.Seed);
        Assert.Equal(2, options.LocalWorkers);
        Assert.Equal(2, options.EffectiveMinWorkers);
        Assert.Equal(4053, options.Port);
        Assert.True(options.Standardize);
        Assert.False(options.Shuffle);
        Assert.Equal("model.json", options.ModelOut);
    }

    [Fact]
    public void Should_read_appsettings_and_let_the_command_line_win()
    {
        File.WriteAllText(Path.Combine(TempDirectory, "appsettings.json"), """{"Coordinator": {"Epochs": 7, "Hidden": "4,3", "Shuffle": true}}""");

        var options = Load("--epochs", "9", "--learning-rate=0.2", "--local-workers", "0");

        Assert.Equal(9, options.Epochs);
        Assert.Equal("4,3", options.Hidden);
        Assert.True(options.Shuffle);
        Assert.Equal(0.2, options.LearningRate);
        Assert.Equal(1, options.EffectiveMinWorkers);
        Assert.Equal([4, 3], options.ToTrainingOptions().Hidden);
    }

    [Fact]
    public void Should_accept_switches_with_or_without_a_value()
    {
        Assert.True(Load("--shuffle").Shuffle);
        Assert.True(Load("--shuffle", "--epochs", "3").Shuffle);
        Assert.False(Load("--shuffle", "false").Shuffle);
        Assert.False(Load("--standardize", "false").Standardize);
    }

    [Theory]
    [InlineData(new[] { "--epochs", "many" }, "--epochs: 'many' is not an integer")]
    [InlineData(new[] { "--learning-rate", "fast" }, "--learning-rate: 'fast' is not a finite number")]
    [InlineData(new[] { "--seed", "-1" }, "--seed: '-1' is not a non-negative integer")]
    [InlineData(new[] { "--standardize", "maybe" }, "--standardize: 'maybe' is not true or false")]
    [InlineData(new[] { "--epoch", "3" }, "--epoch: unknown option (see --help)")]
    [InlineData(new[] { "--epochs" }, "--epochs: missing value")]
    public void Should_name_the_option_of_a_bad_value(string[] args, string message)
    {
        var error = Assert.Throws<InputException>(() => Load(args));

        Assert.Equal(message, error.Message);
    }

    [Theory]
    [InlineData(new[] { "--hidden", "2,x" }, "--hidden: '2,x' is not a comma-separated list of positive layer sizes")]
    [InlineData(new[] { "--activation", "gelu" }, "--activation: 'gelu' is not one of linear, relu, tanh, sigmoid")]
    public void Should_reject_bad_network_options(string[] args, string message)
    {
        var error = Assert.Throws<InputException>(() => Load(args).ToTrainingOptions());

        Assert.Equal(message, error.Message);
    }
}
