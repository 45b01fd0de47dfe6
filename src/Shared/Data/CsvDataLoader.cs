using System.Globalization;
using nietras.SeparatedValues;

namespace ShardedBackprop.Data;

/// <summary>
/// Reads a comma-separated file with a header row into a <see cref="DataTable"/>. Every problem
/// is an <see cref="InputException"/> naming the file, line and column.
/// </summary>
public static class CsvDataLoader
{
    /// <param name="path">The CSV file.</param>
    /// <param name="target">Target column name; null for the last column.</param>
    /// <param name="features">Feature column names; null or empty for every column but the target.</param>
    public static DataTable Load(string path, string? target = null, IReadOnlyList<string>? features = null) =>
        Load(path, target, features, targetOptional: false);

    /// <summary>
    /// Reads the <paramref name="features"/> a model needs and, when the file has it, the
    /// <paramref name="target"/> column (for measuring predictions); without it the table has no targets.
    /// </summary>
    public static DataTable LoadForPrediction(string path, IReadOnlyList<string> features, string target) =>
        Load(path, target, features, targetOptional: true);

    private static DataTable Load(string path, string? target, IReadOnlyList<string>? features, bool targetOptional)
    {
        if (!File.Exists(path))
        {
            throw new InputException($"{path}: data file not found");
        }

        try
        {
            // The header is read as an ordinary row so that duplicate names and line numbers stay ours to report.
            using var reader = Sep.New(',').Reader(o => o with
            {
                HasHeader = false,
                DisableColCountCheck = true,
                Unescape = true,
                Trim = SepTrim.Outer,
            }).FromFile(path);
            return Read(path, reader, target, features, targetOptional);
        }
        catch (IOException e)
        {
            throw new InputException($"{path}: cannot read: {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InputException($"{path}: cannot read: {e.Message}");
        }
    }

    private static DataTable Read(string path, SepReader reader, string? target, IReadOnlyList<string>? features, bool targetOptional)
    {
        var rows = reader.GetEnumerator();
        if (!rows.MoveNext())
        {
            throw InputException.At(path, 1, "the file is empty; expected a header row such as IQ,level,Salary");
        }

        var header = rows.Current;
        // The header is the file's first line (Sep numbers the first row 2 when told there is no header).
        const int headerLine = 1;
        var names = new string[header.ColCount];
        var columnOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var c = 0; c < names.Length; c++)
        {
            names[c] = header[c].ToString();
            if (names[c].Length == 0)
            {
                throw InputException.At(path, headerLine, c + 1, "empty column name in the header");
            }

            if (!columnOf.TryAdd(names[c], c))
            {
                throw InputException.At(path, headerLine, c + 1, $"duplicate column name '{names[c]}' (also column {columnOf[names[c]] + 1})");
            }
        }

        if (names.Length < (targetOptional ? 1 : 2))
        {
            throw InputException.At(path, headerLine, $"the header has {names.Length} column; need at least one feature and one target");
        }

        var targetColumn = targetOptional && !columnOf.ContainsKey(target!)
            ? -1
            : ResolveColumn(path, headerLine, names, columnOf, target ?? names[^1], "target");
        int[] featureColumns;
        if (features is null || features.Count == 0)
        {
            featureColumns = [.. Enumerable.Range(0, names.Length).Where(c => c != targetColumn)];
        }
        else
        {
            featureColumns = new int[features.Count];
            for (var f = 0; f < features.Count; f++)
            {
                featureColumns[f] = ResolveColumn(path, headerLine, names, columnOf, features[f], "feature");
                if (featureColumns[f] == targetColumn)
                {
                    throw InputException.At(path, headerLine, targetColumn + 1, $"column '{features[f]}' is the target and cannot also be a feature");
                }

                if (Array.IndexOf(featureColumns, featureColumns[f], 0, f) >= 0)
                {
                    throw InputException.At(path, headerLine, featureColumns[f] + 1, $"feature column '{features[f]}' is listed twice");
                }
            }
        }

        var featureValues = new List<double>();
        var targetValues = new List<double>();
        var rowCount = 0;
        while (rows.MoveNext())
        {
            var row = rows.Current;
            var line = row.LineNumberFrom;
            if (row.ColCount == 1 && row[0].Span.Length == 0)
            {
                continue; // a blank line, e.g. a trailing newline pair
            }

            if (row.ColCount != names.Length)
            {
                throw InputException.At(path, line, $"expected {names.Length} columns as in the header, found {row.ColCount}");
            }

            foreach (var c in featureColumns)
            {
                featureValues.Add(ParseValue(path, line, c, names[c], row[c].Span));
            }

            if (targetColumn >= 0)
            {
                targetValues.Add(ParseValue(path, line, targetColumn, names[targetColumn], row[targetColumn].Span));
            }

            rowCount++;
        }

        if (rowCount == 0)
        {
            throw InputException.At(path, headerLine + 1, "no data rows after the header");
        }

        return new DataTable(
            path,
            [.. featureColumns.Select(c => names[c])],
            targetColumn >= 0 ? [names[targetColumn]] : [],
            [.. featureValues],
            [.. targetValues]);
    }

    private static int ResolveColumn(string path, int headerLine, string[] names, Dictionary<string, int> columnOf, string name, string role)
    {
        if (columnOf.TryGetValue(name, out var column))
        {
            return column;
        }

        throw InputException.At(path, headerLine, $"no {role} column named '{name}'; the columns are {string.Join(", ", names)}");
    }

    private static double ParseValue(string path, int line, int column, string name, ReadOnlySpan<char> text)
    {
        if (text.Length == 0)
        {
            throw InputException.At(path, line, column + 1, $"empty value in column '{name}'");
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            throw InputException.At(path, line, column + 1, $"'{text}' in column '{name}' is not a number");
        }

        if (!double.IsFinite(value))
        {
            throw InputException.At(path, line, column + 1, $"'{text}' in column '{name}' is not a finite number");
        }

        return value;
    }
}
