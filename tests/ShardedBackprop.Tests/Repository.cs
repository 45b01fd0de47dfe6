namespace ShardedBackprop.Tests;

/// <summary>Paths of this repository and of the build these tests belong to.</summary>
internal static class Repository
{
    /// <summary>The folder that holds ShardedBackprop.sln, found by walking up from the test assembly.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>src/{project}/bin/{configuration}/{tfm}: the build of <paramref name="project"/> next to this test assembly's.</summary>
    public static string ProgramDirectory(string project)
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        return Path.Combine(Root, "src", project, "bin", testBin.Parent!.Name, testBin.Name);
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ShardedBackprop.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no ShardedBackprop.sln above {AppContext.BaseDirectory}");
    }
}
