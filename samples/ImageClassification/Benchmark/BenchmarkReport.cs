using System.Globalization;
using System.Text;
using ScottPlot;

namespace ImageClassification.Benchmark;

/// <summary>Writes the benchmark's markdown table and PNG chart.</summary>
public static class BenchmarkReport
{
    /// <summary>Markdown table with speed-ups relative to Exact at the same model and image size.</summary>
    public static string Markdown(IReadOnlyList<BenchmarkRow> rows, BenchmarkSettings s, string device)
    {
        var text = new StringBuilder();
        int rounds = InterleavedTimer.RoundsRun(s.Repetitions, s.Rounds), perRound = InterleavedTimer.TimedRunsPerRound(s.Repetitions, s.Rounds);
        text.AppendLine($"ViT inference, batch {s.Batch}, {s.DType}, l = {string.Join(" and ", s.BlockSizes)}, {device}. Images/s: the attentions of one model and size interleaved in {rounds} rounds (each round runs every attention in turn, order rotated by one per round: {s.Warmup} warm-up, then {perRound} timed runs), median of {rounds * perRound} timed runs in all (synchronised wall time); \"rounds\": the lowest and highest ratio to Exact within one round. Attention: per call of {VitBenchmark.AttentionCallsPerRepetition} back-to-back calls, median of {s.Repetitions}.");
        text.AppendLine();
        text.AppendLine("| model | px | N | attention | G | l | images/s | vs Exact | rounds | attention ms/layer | vs Exact | note |");
        text.AppendLine("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in rows)
        {
            var exact = rows.FirstOrDefault(x => x.Model == r.Model && x.ImageSize == r.ImageSize && x.Attention == "Exact");
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Model} | {r.ImageSize} | {r.Tokens} | {r.Attention} | {r.GroupSize} | {(r.BlockSize > 0 ? r.BlockSize : "–")} | {F(r.ImagesPerSecond, "F1")} | {Ratio(r.ImagesPerSecond, exact?.ImagesPerSecond)} | {RoundRatioRange(r, exact)} | {F(r.AttentionMs, "F3")} | {Ratio(r.AttentionMs, exact?.AttentionMs)} | {r.Note.Replace('|', '/')} |"));
        }
        return text.ToString();
    }

    /// <summary>The rows and the settings they were measured with, as JSON (<see cref="BenchJson"/>: NaN as null).</summary>
    public static string Json(IReadOnlyList<BenchmarkRow> rows, BenchmarkSettings s, string device) =>
        System.Text.Json.JsonSerializer.Serialize(new
        {
            Device = device, DType = s.DType.ToString(), s.Batch, s.Models, s.ImageSizes, s.GroupSizes, s.BlockSizes,
            s.Warmup, s.Repetitions, s.Rounds, VitBenchmark.AttentionCallsPerRepetition, Rows = rows,
        }, BenchJson.Indented);

    /// <summary>Bar chart of images/s per configuration.</summary>
    public static void Png(string path, IReadOnlyList<BenchmarkRow> rows, string title)
    {
        var plot = new Plot();
        var measured = rows.Where(r => double.IsFinite(r.ImagesPerSecond)).ToList();
        var bars = measured.Select((r, i) => new Bar { Position = i, Value = r.ImagesPerSecond }).ToList();
        plot.Add.Bars(bars);
        plot.Axes.Bottom.SetTicks(
            Enumerable.Range(0, measured.Count).Select(i => (double)i).ToArray(),
            measured.Select(r => $"{r.Model} {r.ImageSize} {r.Attention}{(r.GroupSize > 1 ? $" G{r.GroupSize}" : "")}{(r.BlockSize > 0 ? $" l{r.BlockSize}" : "")}").ToArray());
        // Labels slant down to the left and end at their bar, so the last one stays inside the image.
        plot.Axes.Bottom.TickLabelStyle.Rotation = -45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.Bottom.MinimumSize = 190;
        plot.Axes.Left.MinimumSize = 120;
        plot.Axes.Margins(bottom: 0);
        plot.YLabel("images / s");
        plot.Title(title);
        plot.SavePng(path, Math.Max(900, 70 * measured.Count), 700);
    }

    private static string F(double value, string format) =>
        double.IsFinite(value) ? value.ToString(format, CultureInfo.InvariantCulture) : "–";

    /// <summary>Three decimals: the bars on these ratios (0.95×) sit within a few thousandths of what is measured.</summary>
    private static string Ratio(double value, double? exact) =>
        exact is { } e && double.IsFinite(value) && double.IsFinite(e) && e > 0
            ? (value / e).ToString("F3", CultureInfo.InvariantCulture) + "×" : "–";

    /// <summary>"lowest–highest" of the per-round ratios of <paramref name="r"/>'s images/s to Exact's in the same round.</summary>
    public static string RoundRatioRange(BenchmarkRow r, BenchmarkRow? exact)
    {
        if (r.RoundImagesPerSecond is not { Count: > 0 } mine || exact?.RoundImagesPerSecond is not { } theirs || ReferenceEquals(r, exact))
            return "–";
        var ratios = mine.Zip(theirs, (a, b) => a / b).Where(double.IsFinite).ToList();
        return ratios.Count == 0 ? "–"
            : string.Create(CultureInfo.InvariantCulture, $"{ratios.Min():F3}–{ratios.Max():F3}");
    }
}
