using BenchmarkDotNet.Running;

namespace ShardedBackprop.Benchmarks;

/// <summary>
/// Speed and memory of the hot paths, kept out of the tests:
/// <c>dotnet run -c Release --project bench/ShardedBackprop.Benchmarks -- --filter '*'</c>.
/// </summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
