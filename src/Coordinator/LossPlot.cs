using ScottPlot;
using ShardedBackprop.Model;
using ShardedBackprop.Training;

namespace ShardedBackprop.Coordinator;

/// <summary>The per-epoch loss as a PNG picture (ScottPlot), written atomically.</summary>
public static class LossPlot
{
    public static void Write(string path, IReadOnlyList<EpochReport> reports, string title)
    {
        using var plot = new Plot();
        var epochs = reports.Select(r => (double)r.Summary.Epoch).ToArray();
        var sse = reports.Select(r => r.Summary.Sse).ToArray();
        var line = plot.Add.ScatterLine(epochs, sse);
        line.LineWidth = 2;
        line.MarkerSize = reports.Count <= 50 ? 5 : 0;
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel("epoch loss (sum of squared errors)");
        var png = plot.GetImageBytes(900, 540, ImageFormat.Png);
        AtomicFile.Write(path, stream => stream.Write(png));
    }
}
