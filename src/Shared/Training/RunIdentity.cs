using System.Globalization;
using System.Security.Cryptography;

namespace ShardedBackprop.Training;

/// <summary>
/// What makes two runs the same run: the data's content and every setting that changes the
/// result. A checkpoint only resumes the run it came from.
/// </summary>
public static class RunIdentity
{
    public static IReadOnlyDictionary<string, string> Of(TrainingSetup setup)
    {
        var o = setup.Options;
        var identity = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["data"] = FileDigest(setup.RawData.Source),
            ["features"] = string.Join(",", setup.RawData.FeatureNames),
            ["target"] = string.Join(",", setup.RawData.TargetNames),
            ["layers"] = setup.Shape.ToString(),
            ["activation"] = setup.Network.HiddenActivation.ToString(),
            ["batch-size"] = setup.Plan.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["epochs"] = o.Epochs.ToString(CultureInfo.InvariantCulture),
            ["learning-rate"] = o.LearningRate.ToString("R", CultureInfo.InvariantCulture),
            ["seed"] = o.Seed.ToString(CultureInfo.InvariantCulture),
            ["shuffle"] = o.Shuffle ? "true" : "false",
            ["standardize"] = o.Standardize ? "true" : "false",
            ["init-weights"] = o.InitWeightsPath is { } path ? FileDigest(path) : "seeded",
        };
        return identity;
    }

    /// <summary>The settings that differ between two identities, e.g. "learning-rate (0.01 then 0.1)".</summary>
    public static IReadOnlyList<string> Differences(IReadOnlyDictionary<string, string> saved, IReadOnlyDictionary<string, string> current) =>
        [.. saved.Keys.Union(current.Keys).Order(StringComparer.Ordinal)
            .Where(k => saved.GetValueOrDefault(k) != current.GetValueOrDefault(k))
            .Select(k => $"{k} ({Show(saved.GetValueOrDefault(k))} then {Show(current.GetValueOrDefault(k))})")];

    private static string Show(string? value) => value is null ? "unset" : value.Length > 16 ? value[..12] + "…" : value;

    private static string FileDigest(string path)
    {
        using var stream = File.OpenRead(path);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
