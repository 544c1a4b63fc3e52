// Issue 17's accuracy record from scripts/gpu-accuracy.sh's runs (unpack $OUT/accuracy-runs.tgz first):
//   dotnet run -c Release --project bench/accuracy -- RUNS_DIR OUT_PREFIX MACHINE COMMIT "DEVICE COMMAND" [FINDINGS.md]
// writes OUT_PREFIX.md, OUT_PREFIX.json and OUT_PREFIX.png (e.g. bench/results/accuracy-fmnist).
using System.Text.Json;
using DistrAttention.Bench.Accuracy;

if (args.Length is not (5 or 6))
{
    Console.Error.WriteLine("usage: AccuracyReport RUNS_DIR OUT_PREFIX MACHINE COMMIT \"DEVICE COMMAND\" [FINDINGS.md]");
    return 2;
}
var (runsDir, prefix, machine, commit, command) = (args[0], args[1], args[2], args[3], args[4]);
var runs = RunRecord.ReadAll(runsDir);
if (runs.Count == 0)
{
    Console.Error.WriteLine($"no metrics.json or evaluation.json under {runsDir}/PHASE/ROW-sSEED/");
    return 1;
}
var rows = RowSummary.Group(runs);
// Hand-written reading of the numbers (what they show, what is missing), placed under the setup.
string? findings = args.Length == 6 ? File.ReadAllText(args[5]) : null;
string choiceFile = Path.Combine(runsDir, "recipe", "choice.txt");
string? choice = File.Exists(choiceFile) ? File.ReadAllText(choiceFile).Trim() : null;
var context = new ReportContext(machine, commit, DateTime.UtcNow.ToString("yyyy-MM-dd"), command,
    $"dotnet run -c Release --project bench/accuracy -- RUNS {Path.GetFileName(prefix)} {machine} {commit} \"...\"");
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(prefix))!);
WriteAtomically(prefix + ".md", AccuracyMarkdown.Render(context, rows, runs, choice, findings)
    + $"![test accuracy per row]({Path.GetFileName(prefix)}.png)\n");
WriteAtomically(prefix + ".json", JsonSerializer.Serialize(new { context, recipeChoice = choice, runs },
    new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
var plotted = rows.Where(r => r.Phase is "table" or "finetune" or "swapin")
    .OrderBy(r => r.Phase switch { "table" => 0, "finetune" => 1, _ => 2 }).ThenBy(r => RowNames.Order(r.Row)).ToList();
if (plotted.Count > 0)
    AccuracyPlot.Save(prefix + ".png", plotted, $"ViT-Ti dims, patch 2, Fashion-MNIST (60k/10k), {machine}");
Console.WriteLine($"wrote {prefix}.md, .json{(plotted.Count > 0 ? ", .png" : "")} from {runs.Count} runs");
return 0;

static void WriteAtomically(string path, string text)
{
    string temp = path + ".tmp";
    File.WriteAllText(temp, text);
    File.Move(temp, path, overwrite: true);
}
