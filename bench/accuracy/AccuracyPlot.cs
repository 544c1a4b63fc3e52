using ScottPlot;

namespace DistrAttention.Bench.Accuracy;

/// <summary>Test accuracy per row as bars with ±1 standard deviation, one colour per phase, Exact's mean as a line.</summary>
public static class AccuracyPlot
{
    /// <summary>Writes the chart to <paramref name="path"/>.</summary>
    public static void Save(string path, IReadOnlyList<RowSummary> rows, string title)
    {
        if (rows.Count == 0) throw new ArgumentException("No rows to plot.", nameof(rows));
        var plot = new Plot();
        var colours = new Dictionary<string, Color> { ["table"] = Colors.SteelBlue, ["finetune"] = Colors.SeaGreen, ["swapin"] = Colors.DarkOrange };
        var ticks = new List<Tick>();
        for (int i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            var bar = new Bar
            {
                Position = i, Value = 100 * r.MeanTest, Error = 100 * r.StdTest,
                FillColor = colours.GetValueOrDefault(r.Phase, Colors.Gray),
            };
            plot.Add.Bar(bar);
            string phase = r.Phase switch { "finetune" => "\nfine-tuned", "swapin" => "\nswap-in", _ => "" };
            ticks.Add(new Tick(i, RowNames.Describe(r.Row).Replace("DistrAttention ", "").Replace(", l", "\nl") + phase));
        }
        if (rows.FirstOrDefault(r => r.Phase == "table" && r.Row == "exact") is { } exact)
        {
            var line = plot.Add.HorizontalLine(100 * exact.MeanTest);
            line.LinePattern = LinePattern.Dashed;
            line.Color = Colors.Black;
            line.LegendText = $"Exact mean {100 * exact.MeanTest:F2} %";
            plot.ShowLegend(Alignment.LowerRight);
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        double low = rows.Min(r => 100 * (r.MeanTest - r.StdTest)), high = rows.Max(r => 100 * (r.MeanTest + r.StdTest));
        plot.Axes.SetLimitsY(Math.Floor(low - 2), Math.Ceiling(high + 1));
        plot.Axes.SetLimitsX(-0.6, rows.Count - 0.4);
        plot.YLabel("Test accuracy (%), mean ± std over seeds");
        plot.Title(title);
        plot.SavePng(path, Math.Max(900, 110 * rows.Count), 600);
    }
}
