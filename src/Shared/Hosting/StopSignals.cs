using System.Runtime.InteropServices;

namespace ShardedBackprop.Hosting;

/// <summary>Ctrl+C and SIGTERM, handled by the programs themselves.</summary>
public static class StopSignals
{
    /// <summary>Calls <paramref name="onStop"/> on the first Ctrl+C or SIGTERM; a second one ends the process as usual.</summary>
    public static IDisposable Register(Action onStop)
    {
        var requested = 0;
        void Handle(PosixSignalContext context)
        {
            if (Interlocked.Exchange(ref requested, 1) == 0)
            {
                context.Cancel = true;
                onStop();
            }
        }

        return new Registrations([PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle)]);
    }

    private sealed class Registrations(IDisposable[] registrations) : IDisposable
    {
        public void Dispose()
        {
            foreach (var r in registrations)
            {
                r.Dispose();
            }
        }
    }
}
