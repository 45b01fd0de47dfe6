namespace ShardedBackprop.Hosting;

/// <summary>Process exit codes of the coordinator and the workers.</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Something unexpected; the log says what.</summary>
    public const int Failure = 1;

    /// <summary>Bad input: an option, a setting or a file (one line on standard error says which).</summary>
    public const int BadInput = 2;

    /// <summary>Training diverged: a loss or gradient stopped being finite.</summary>
    public const int Diverged = 3;

    /// <summary>Stopped by Ctrl+C or SIGTERM before the end, after a checkpoint: the same command resumes.</summary>
    public const int Stopped = 4;
}
