using System.Diagnostics;
using ShardedBackprop.Tests.Cluster;

namespace ShardedBackprop.Tests.Deploy;

/// <summary>deploy/multi-host-test.sh: a coordinator and two workers in network namespaces of their own.</summary>
[Collection(ClusterCollection.Name)]
public sealed class MultiHostScriptTests
{
    [NetworkNamespaceFact]
    public async Task Should_train_across_network_namespaces_to_the_reference_bits_and_leave_nothing_behind()
    {
        var directory = Directory.CreateTempSubdirectory("sbp-multi-host-");
        try
        {
            await using var script = ChildProcess.StartScript("multi-host-test.sh", directory.FullName, new Dictionary<string, string?> { ["TMPDIR"] = directory.FullName });

            var exitCode = await script.WaitForExitAsync(TimeSpan.FromMinutes(6));

            Assert.True(exitCode == 0, $"exit code {exitCode}; output:\n{script.AllOutput()}");
            var lines = script.Lines;
            Assert.Equal(
                "PASS: multi-host: coordinator 10.213.7.1 and workers 10.213.7.11, 10.213.7.12 in separate network namespaces trained --epochs 200 to the reference trainer's weight and bias bits",
                lines[^1]);
            Assert.Contains(lines, l => l.StartsWith("[coordinator] ", StringComparison.Ordinal) && l.Contains("Waiting for 2 worker(s) to join akka.tcp://ShardedBackprop@10.213.7.1:4053"));
            Assert.Contains(lines, l => l.StartsWith("[coordinator] ", StringComparison.Ordinal) && l.Contains("Worker joined: akka.tcp://ShardedBackprop@10.213.7.11:"));
            Assert.Contains(lines, l => l.StartsWith("[coordinator] ", StringComparison.Ordinal) && l.Contains("Worker joined: akka.tcp://ShardedBackprop@10.213.7.12:"));
            Assert.Contains(lines, l => l.StartsWith("[coordinator] ", StringComparison.Ordinal) && l.Contains("epoch 200/200 "));
            Assert.Contains(lines, l => l.StartsWith("[reference] ", StringComparison.Ordinal) && l.Contains("epoch 200/200 "));

            // Its namespaces (and with them its links and bridge) and its temporary files are gone.
            Assert.DoesNotContain($"sbp-{script.Id}-", await IpNetnsListAsync());
            Assert.Empty(directory.EnumerateFileSystemInfos());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static async Task<string> IpNetnsListAsync()
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add("netns");
        info.ArgumentList.Add("list");
        using var ip = Process.Start(info)!;
        var output = await ip.StandardOutput.ReadToEndAsync();
        await ip.WaitForExitAsync();
        Assert.Equal(0, ip.ExitCode);
        return output;
    }
}

/// <summary>A fact that needs root and iproute2's <c>ip</c> (network namespaces); skipped elsewhere. CI runs as root.</summary>
public sealed class NetworkNamespaceFactAttribute : FactAttribute
{
    public NetworkNamespaceFactAttribute()
    {
        if (GetEuid() != 0)
        {
            Skip = "needs root, to create network namespaces";
        }
        else if (!new[] { "/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip" }.Any(File.Exists))
        {
            Skip = "needs ip (Debian package iproute2)";
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEuid();
}
