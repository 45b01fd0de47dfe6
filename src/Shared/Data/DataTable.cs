namespace ShardedBackprop.Data;

/// <summary>
/// Numeric training data: <see cref="Features"/> is [Rows, FeatureNames.Count] and
/// <see cref="Targets"/> [Rows, TargetNames.Count], both row-major.
/// </summary>
public sealed record DataTable(
    string Source,
    IReadOnlyList<string> FeatureNames,
    IReadOnlyList<string> TargetNames,
    double[] Features,
    double[] Targets)
{
    public int Rows => FeatureNames.Count == 0 ? 0 : Features.Length / FeatureNames.Count;

    public bool HasTargets => TargetNames.Count > 0;

    public int FeatureCount => FeatureNames.Count;

    public int TargetCount => TargetNames.Count;

    public ReadOnlySpan<double> FeatureRow(int row) => Features.AsSpan(row * FeatureCount, FeatureCount);

    public ReadOnlySpan<double> TargetRow(int row) => Targets.AsSpan(row * TargetCount, TargetCount);
}
