namespace ShardedBackprop;

/// <summary>
/// Bad input from the user (a file, a flag, a setting). Its message is one line that names what
/// is wrong and where; programs print it without a stack trace and exit non-zero.
/// </summary>
public sealed class InputException(string message) : Exception(message)
{
    /// <summary>A problem at a place in a file: "path:line:column: what".</summary>
    public static InputException At(string path, long line, int column, string what) =>
        new($"{path}:{line}:{column}: {what}");

    /// <summary>A problem on a line of a file: "path:line: what".</summary>
    public static InputException At(string path, long line, string what) => new($"{path}:{line}: {what}");
}
