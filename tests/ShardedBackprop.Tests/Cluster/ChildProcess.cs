using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Threading.Channels;

namespace ShardedBackprop.Tests.Cluster;

/// <summary>A built program of this repository run as a real process, its output read line by line.</summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _seen = [];

    private ChildProcess(Process process) => _process = process;

    public IReadOnlyList<string> Output => _seen;

    public int Id => _process.Id;

    /// <summary>Starts src/{project}'s built program (the build this test assembly belongs to) with <paramref name="args"/>.</summary>
    public static ChildProcess Start(string project, string workingDirectory, params string[] args) =>
        Start(project, workingDirectory, new Dictionary<string, string?>(), args);

    /// <summary>As <see cref="Start(string, string, string[])"/>, with extra environment variables.</summary>
    public static ChildProcess Start(string project, string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        StartCommand("dotnet", [ProgramPath(project), .. args], workingDirectory, environment);

    /// <summary>Starts <c>bash deploy/{script} args</c> in <paramref name="workingDirectory"/>.</summary>
    public static ChildProcess StartScript(string script, string workingDirectory, IReadOnlyDictionary<string, string?>? environment, params string[] args) =>
        StartCommand("bash", [Path.Combine(Repository.Root, "deploy", script), .. args], workingDirectory, environment ?? new Dictionary<string, string?>());

    private static ChildProcess StartCommand(string fileName, IEnumerable<string> args, string workingDirectory, IReadOnlyDictionary<string, string?> environment)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process);
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
            _lines.Writer.TryWrite(line);
        }
    }

    /// <summary>Waits for a line matching <paramref name="pattern"/>; fails with the output so far if the process ends or time runs out.</summary>
    public async Task<Match> WaitForLineAsync(string pattern, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            while (true)
            {
                var line = await _lines.Reader.ReadAsync(cancel.Token);
                _seen.Add(line);
                var match = Regex.Match(line, pattern);
                if (match.Success)
                {
                    return match;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no line matching '{pattern}'; output:\n{string.Join("\n", _seen)}");
        }
    }

    /// <summary>Waits for the process to end and returns its exit code, having read all its output.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(120));
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"process did not exit; output:\n{AllOutput()}");
        }

        return _process.ExitCode;
    }

    /// <summary>Everything the process wrote, once it has exited.</summary>
    public string AllOutput() => string.Join("\n", Lines);

    /// <summary>Every line written so far, standard output and error together.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            while (_lines.Reader.TryRead(out var line))
            {
                _seen.Add(line);
            }

            return [.. _seen];
        }
    }

    /// <summary>SIGKILL: the process ends at once, with no chance to clean up.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGINT, as Ctrl+C in a terminal sends.</summary>
    public void Interrupt() => Signal(2);

    private void Signal(int signal)
    {
        if (SysKill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed");
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    /// <summary>The built program of src/{project}, from the build these tests come from.</summary>
    private static string ProgramPath(string project)
    {
        var path = Path.Combine(Repository.ProgramDirectory(project), $"ShardedBackprop.{project}.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"build {project} first: {path} is missing");
    }
}
