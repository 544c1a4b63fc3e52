using System.Globalization;
using System.Text;

namespace DistrAttention.Bench.Accuracy;

/// <summary>The markdown of the accuracy record: setup, recipe choice, the table by phase, the bar verdict.</summary>
public static class AccuracyMarkdown
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>Renders the whole record.</summary>
    /// <param name="context">Where the runs came from.</param>
    /// <param name="rows">Every row, all phases.</param>
    /// <param name="runs">Every run, by folder: the Exact models that swap-in and fine-tune runs name as their base.</param>
    /// <param name="recipeChoice">The chosen recipe variant, or null.</param>
    /// <param name="findings">Hand-written reading of the numbers, placed under the setup.</param>
    public static string Render(ReportContext context, IReadOnlyList<RowSummary> rows, IReadOnlyList<RunRecord> runs,
        string? recipeChoice, string? findings = null)
    {
        var bases = new Bases(runs);
        var md = new StringBuilder();
        md.AppendLine(C, $"# Accuracy at ViT scale: full Fashion-MNIST on the {context.Machine} — {context.Date}, commit {context.Commit}").AppendLine();
        md.AppendLine(C, $"Command (GPU machine): `{context.Command}`; tables: `{context.ReportCommand}`.").AppendLine();
        md.AppendLine("Setup: a ViT with ViT-Tiny's dims (width 192, 3 heads, head dim d = 64, depth 12, MLP 768), patch 2 on 28×28 grey " +
                      "images (N = 197 tokens), trained from scratch through the sample's `train` (the ML.NET trainer) in bf16 on " +
                      "the 60,000 training images of Fashion-MNIST (Debian `dataset-fashion-mnist`), tested on its 10,000 test images; " +
                      "batch 256, AdamW (weight decay 0.05), cosine schedule after warm-up, no label smoothing. Several runs " +
                      "shared the GPU at a time, so seconds per epoch are indicative only. \"vs Exact\" compares with the Exact " +
                      "runs of the same seeds (paired), so rows with fewer seeds are not compared with other seeds' luck. Swap-in " +
                      "and fine-tune rows are compared with the Exact model each run started from (\"its Exact model\").").AppendLine();
        if (!string.IsNullOrWhiteSpace(findings))
            md.AppendLine("## Findings").AppendLine().AppendLine(findings.Trim()).AppendLine();
        var exact = rows.FirstOrDefault(r => r.Phase == "table" && r.Row == "exact");
        foreach (var phase in new[] { "table", "finetune", "swapin" })
        {
            var section = rows.Where(r => r.Phase == phase).OrderBy(r => RowNames.Order(r.Row)).ToList();
            if (section.Count == 0) continue;
            // Fine-tuning trains longer: the Exact model fine-tuned alike (the control) separates that gain from the attention's.
            var control = phase == "finetune" ? section.FirstOrDefault(r => r.Row == "exact") : null;
            md.AppendLine(C, $"## Test accuracy, {RowNames.Phase(phase)}").AppendLine();
            bool fromExact = phase != "table";
            md.AppendLine("| attention | seeds | test accuracy (mean ± std) | per seed |" +
                          (fromExact ? " its Exact model, per seed | vs its Exact model (points) |" : " vs Exact (points) |") +
                          (control is null ? "" : " vs Exact fine-tuned alike |") + " epochs | s/epoch |");
            md.AppendLine("|---|---:|---:|---|" + (fromExact ? "---|---:|" : "---:|") + (control is null ? "" : "---:|") + "---:|---:|");
            foreach (var r in section)
            {
                int epochs = r.Runs.Max(x => x.Epochs);
                string vsControl = control is null ? "" : $" {(r == control ? "–" : Signed(bases.GainGap(control, r)))} |";
                string vsExact = fromExact
                    ? $" {string.Join(", ", r.Runs.Select(bases.Describe))} | {Signed(bases.Gap(r))} |"
                    : $" {Signed(PairedGap(exact, r))} |";
                md.AppendLine(C, $"| {RowNames.Describe(r.Row)} | {r.Runs.Count} | {100 * r.MeanTest:F2} ± {100 * r.StdTest:F2} % | " +
                                 $"{string.Join(", ", r.Runs.Select(x => (100 * x.TestAccuracy).ToString("F2", C)))} |{vsExact}{vsControl}" +
                                 $" {(epochs > 0 ? epochs.ToString(C) : "–")} | {(r.SecondsPerEpoch > 0 ? r.SecondsPerEpoch.ToString("F1", C) : "–")} |");
            }
            md.AppendLine();
            if (fromExact && section.Any(r => r.Runs.Any(x => bases.Of(x)?.Phase == "rerun")))
                md.AppendLine("ʳ: that seed's Exact model trained again in a later device call (its model had not come back); " +
                              "the rerun's own test accuracy is the one shown and compared with.").AppendLine();
        }
        md.Append(Verdict(rows, exact, bases));
        var recipe = rows.Where(r => r.Phase == "recipe").OrderByDescending(r => r.MeanValidation ?? 0).ToList();
        if (recipe.Count > 0)
        {
            md.AppendLine("## Recipe choice (from scratch, Exact, 10 % of the training images held out)").AppendLine();
            md.AppendLine("Chosen on the final epoch's validation accuracy, mean over seeds; the test accuracy is shown, not used.").AppendLine();
            md.AppendLine("| variant | seeds | epochs | validation (mean ± std) | per seed | test (mean) | chosen |");
            md.AppendLine("|---|---:|---:|---:|---|---:|---|");
            foreach (var r in recipe)
                md.AppendLine(C, $"| `{r.Row}` | {r.Runs.Count} | {r.Runs.Max(x => x.Epochs)} | {100 * (r.MeanValidation ?? 0):F2} ± {100 * r.StdValidation:F2} % | " +
                                 $"{string.Join(", ", r.Runs.Select(x => (100 * (x.ValidationAccuracy ?? 0)).ToString("F2", C)))} | " +
                                 $"{100 * r.MeanTest:F2} % | {(r.Row == recipeChoice ? "**yes**" : "")} |");
            md.AppendLine();
        }
        return md.ToString();
    }

    // Issue 17's bar: DistrAttention G = 2 (from scratch or fine-tuned from Exact) within 1.0 point of Exact's mean.
    // A fine-tuned row is compared with the Exact models it started from, seed by seed.
    private static string Verdict(IReadOnlyList<RowSummary> rows, RowSummary? exact, Bases bases)
    {
        var md = new StringBuilder("## The bar: DistrAttention G = 2 within 1.0 point of Exact\n\n");
        if (exact is null) return md.AppendLine("No Exact row: no verdict.\n").ToString();
        foreach (var r in rows.Where(r => r.Phase is "table" or "finetune" && r.Row is "mean-g2-l64" or "sample-g2-l64" or "mean-g2-l128"))
        {
            bool fineTuned = r.Phase == "finetune";
            if ((fineTuned ? bases.Gap(r) : PairedGap(exact, r)) is not { } gap) continue;
            string verdict = gap <= 1.0 ? "met" : "missed";
            // The issue asks for 3 seeds per row: with fewer, the verdict is provisional.
            string seeds = r.Runs.Count >= 3 ? $"{r.Runs.Count} seeds" : $"provisional: {r.Runs.Count} of 3 seeds";
            var control = fineTuned ? rows.FirstOrDefault(c => c.Phase == "finetune" && c.Row == "exact") : null;
            string alike = bases.GainGap(control, r) is { } c
                ? $"; its gain over its Exact model is {Math.Abs(c).ToString("F2", C)} points {(c >= 0 ? "below" : "above")} that of the Exact model fine-tuned alike"
                : "";
            md.AppendLine(C, $"- {RowNames.Describe(r.Row)}, {RowNames.Phase(r.Phase)}: {Above(gap)} " +
                             $"{(fineTuned ? "the Exact models it started from" : "Exact")} on seeds " +
                             $"{string.Join(", ", r.Seeds)} ({seeds}): **{verdict}**{alike}");
        }
        return md.AppendLine().ToString();
    }

    private static string Above(double gap) => gap >= 0 ? $"{gap.ToString("F2", C)} points below" : $"{(-gap).ToString("F2", C)} points above";

    // A gap (baseline minus row, points) as the row's signed difference ("–" when there is none).
    private static string Signed(double? gap) => gap is { } g ? (-g).ToString("+0.00;−0.00;0.00", C) : "–";

    // Points by which the baseline's mean test accuracy over the row's seeds exceeds the row's; null without shared seeds.
    private static double? PairedGap(RowSummary? baseline, RowSummary row)
    {
        if (baseline is null) return null;
        var shared = row.Runs.Where(r => baseline.Runs.Any(e => e.Seed == r.Seed)).ToList();
        if (shared.Count == 0) return null;
        double exactMean = baseline.Runs.Where(e => shared.Any(r => r.Seed == e.Seed)).Average(e => e.TestAccuracy);
        return 100 * (exactMean - shared.Average(r => r.TestAccuracy));
    }
}
