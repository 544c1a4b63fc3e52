using System.Diagnostics;

namespace ImageClassification.Training;

/// <summary>
/// Makes a <c>train</c> run's outputs all new or all old: everything is written into a temporary sibling folder
/// (<c>&lt;output&gt;.partial-&lt;pid&gt;</c>) that is swapped in at the end (the old folder is renamed aside, the new one
/// renamed in, the old one deleted). An exception, an interruption or Ctrl-C before the swap leaves the output folder as it was.
/// </summary>
public sealed class OutputFolder : IDisposable
{
    /// <summary>Files <c>train</c> and <c>evaluate</c> write into an output folder; a folder holding only these may be replaced.</summary>
    public static readonly IReadOnlySet<string> KnownFiles = new HashSet<string>(StringComparer.Ordinal)
    {
        ModelFile.DefaultName, TrainRunner.MetricsJson, TrainRunner.MetricsMarkdown, TrainRunner.ConfusionMatrixPng,
        TrainRunner.TrainingCurvePng, Cli.EvaluateCommand.EvaluationJson, Cli.EvaluateCommand.ConfusionMatrixPng,
    };

    private readonly object gate = new();
    private bool committed;

    private OutputFolder(string target)
    {
        Target = target;
        Staging = target + ".partial-" + Environment.ProcessId;
        Aside = target + ".old-" + Environment.ProcessId;
    }

    /// <summary>The output folder (full path).</summary>
    public string Target { get; }

    /// <summary>The temporary sibling every output is written into.</summary>
    public string Staging { get; }

    private string Aside { get; }

    /// <summary>The line printed when a run stops before the swap.</summary>
    public string InterruptedMessage => $"Interrupted: {Target} left unchanged";

    /// <summary>Why <paramref name="folder"/> cannot be an output folder (it is a file, or holds files train did not write); null when it can.</summary>
    public static string? FirstError(string folder)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        if (File.Exists(full))
            return $"-o/--output '{full}' is a file, not a folder";
        if (Path.GetDirectoryName(full) is null)
            return $"-o/--output '{full}' is a file-system root; give a folder inside it";
        if (!Directory.Exists(full))
            return null;
        var foreign = Directory.EnumerateFileSystemEntries(full).Select(Path.GetFileName)
            .Where(n => !KnownFiles.Contains(n!)).Order(StringComparer.Ordinal).Take(3).ToList();
        return foreign.Count == 0 ? null
            : $"-o/--output '{full}' holds files train did not write ({string.Join(", ", foreign.Select(n => $"'{n}'"))}); " +
              "train replaces the whole folder, so give a new folder or one an earlier train wrote";
    }

    /// <summary>Creates the staging folder (removing ones left by dead runs) and arms the Ctrl-C handler.</summary>
    public static OutputFolder Begin(string folder)
    {
        var output = new OutputFolder(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
        output.RemoveStale();
        if (Directory.Exists(output.Staging))
            Directory.Delete(output.Staging, recursive: true);
        Directory.CreateDirectory(output.Staging);
        Console.CancelKeyPress += output.OnCancel;
        return output;
    }

    /// <summary>Swaps the staging folder in place of the output folder.</summary>
    public void Commit()
    {
        lock (gate)
        {
            if (Directory.Exists(Target))
            {
                Directory.Move(Target, Aside);
                try
                {
                    Directory.Move(Staging, Target);
                }
                catch
                {
                    Directory.Move(Aside, Target);
                    throw;
                }
            }
            else
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Target)!);
                Directory.Move(Staging, Target);
            }
            committed = true;
        }
        TryDelete(Aside);
    }

    /// <summary>Removes the staging folder unless it was committed, and disarms the Ctrl-C handler.</summary>
    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancel;
        lock (gate)
        {
            if (!committed)
                TryDelete(Staging);
        }
    }

    // Ctrl-C: the process ends once this returns (training cannot be stopped mid-batch); waits for a swap in progress.
    private void OnCancel(object? sender, ConsoleCancelEventArgs e)
    {
        lock (gate)
        {
            if (committed)
                return;
            TryDelete(Staging);
            Console.Error.WriteLine(InterruptedMessage);
        }
    }

    // Staging or aside folders of runs whose process is gone (killed before they could clean up).
    private void RemoveStale()
    {
        string parent = Path.GetDirectoryName(Target)!, name = Path.GetFileName(Target);
        if (!Directory.Exists(parent))
            return;
        foreach (var dir in Directory.EnumerateDirectories(parent, name + ".*"))
        {
            string entry = Path.GetFileName(dir); // the pattern also matches the folder itself
            if (entry.Length <= name.Length + 1 || !entry.StartsWith(name + ".", StringComparison.Ordinal))
                continue;
            string suffix = entry[(name.Length + 1)..];
            int dash = suffix.IndexOf('-');
            if (dash < 0 || suffix[..dash] is not ("partial" or "old") || !int.TryParse(suffix[(dash + 1)..], out int pid))
                continue;
            if (pid == Environment.ProcessId || !IsRunning(pid))
                TryDelete(dir);
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
