using DistrAttention.Vit.Attention;
using ScottPlot;

namespace DistrAttention.Bench.Reference;

/// <summary>The per-block output error of the real-activation report as a chart: one line per G and mode, at one l.</summary>
internal static class RealActivationPlot
{
    /// <summary>Writes the chart of <paramref name="errors"/> at block size <paramref name="l"/> to <paramref name="path"/>.</summary>
    public static void Save(string path, IReadOnlyDictionary<(int Block, int G, DistrAttentionMode Mode, int L), (double Output, double Score)> errors,
        int blockCount, int l, IReadOnlyList<int> groups, string title)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        double[] xs = Enumerable.Range(0, blockCount).Select(i => (double)i).ToArray();
        double highest = 0;
        for (int gi = 0; gi < groups.Count; gi++)
            foreach (var mode in new[] { DistrAttentionMode.Mean, DistrAttentionMode.Sample })
            {
                double[] ys = Enumerable.Range(0, blockCount).Select(i => errors[(i, groups[gi], mode, l)].Output).ToArray();
                highest = Math.Max(highest, ys.Max());
                var line = plot.Add.Scatter(xs, ys);
                line.Color = palette.GetColor(gi);
                line.LinePattern = mode == DistrAttentionMode.Mean ? LinePattern.Solid : LinePattern.Dashed;
                line.LineWidth = 2;
                line.MarkerSize = 7;
                line.MarkerShape = mode == DistrAttentionMode.Mean ? MarkerShape.FilledCircle : MarkerShape.OpenSquare;
                line.LegendText = $"G = {groups[gi]}, {mode}{(mode == DistrAttentionMode.Sample ? " (dashed)" : "")}";
            }
        plot.Axes.SetLimitsY(0, highest * 1.15);
        plot.Axes.SetLimitsX(-0.3, blockCount - 0.7);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(1);
        plot.XLabel("transformer block");
        plot.YLabel("output relative error vs exact attention");
        plot.Title(title);
        plot.ShowLegend(Edge.Right);
        plot.SavePng(path, 1150, 600);
    }
}
