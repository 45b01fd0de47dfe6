using System.Collections.Concurrent;
using System.Diagnostics;

namespace ShardedBackprop.Tests.Deploy;

/// <summary>A script of deploy/ run with bash as a real process, every output line kept.</summary>
internal sealed class ScriptProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private ScriptProcess(Process process) => _process = process;

    public int Id => _process.Id;

    /// <summary>Starts <c>bash deploy/{script} args</c> in <paramref name="workingDirectory"/>.</summary>
    public static ScriptProcess Start(string script, string workingDirectory, IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        var info = new ProcessStartInfo("bash")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[name] = value;
        }

        info.ArgumentList.Add(Path.Combine(Repository.Root, "deploy", script));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info };
        var child = new ScriptProcess(process);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    private void OnLine(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
        }
    }

    /// <summary>Every line written so far, stdout and stderr together.</summary>
    public IReadOnlyList<string> Lines => [.. _lines];

    public string Output => string.Join("\n", _lines);

    /// <summary>Waits for the script to end, its output read to the end, and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"bash {string.Join(' ', _process.StartInfo.ArgumentList)} did not end in {timeout}; output:\n{Output}");
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}

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
