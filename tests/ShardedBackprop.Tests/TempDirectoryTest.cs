namespace ShardedBackprop.Tests;

/// <summary>A test class with a fresh directory of its own for each test, deleted afterwards.</summary>
public abstract class TempDirectoryTest(string prefix) : IDisposable
{
    /// <summary>The test's directory: working directory of the processes it starts, home of its files.</summary>
    protected string TempDirectory { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    public void Dispose()
    {
        Directory.Delete(TempDirectory, recursive: true);
        GC.SuppressFinalize(this);
    }
}
