using System.Diagnostics;
using DistrAttention.Vit.Distributed;

namespace ImageClassification.Distributed;

/// <summary>
/// Starts the ranks of a data-parallel job on this host, as torchrun's standalone mode does: N copies of a command
/// line, each with <c>RANK</c> = <c>LOCAL_RANK</c> = r, <c>WORLD_SIZE</c> = <c>LOCAL_WORLD_SIZE</c> = N,
/// <c>MASTER_ADDR</c> = 127.0.0.1 and a free <c>MASTER_PORT</c>. Their output lines are prefixed with <c>[rank r]</c>;
/// when one rank exits with an error the others are stopped (a rank waiting in NCCL for a dead peer would wait forever).
/// </summary>
public static class RankLauncher
{
    /// <summary>Starts <paramref name="worldSize"/> ranks of this program's own command line without <c>--gpus</c>.</summary>
    /// <param name="worldSize">Ranks (GPUs).</param>
    /// <param name="processPath"><see cref="Environment.ProcessPath"/>.</param>
    /// <param name="commandLineArgs"><see cref="Environment.GetCommandLineArgs"/>.</param>
    /// <returns>0 when every rank succeeded, else the exit code of the first rank that failed.</returns>
    public static int Launch(int worldSize, string processPath, IReadOnlyList<string> commandLineArgs)
    {
        var (fileName, arguments) = ChildCommand(processPath, commandLineArgs);
        int port = Rendezvous.FreeLoopbackPort();
        Console.WriteLine($"Starting {worldSize} ranks (one per GPU) on 127.0.0.1:{port}: {fileName} {string.Join(' ', arguments)}");
        return Run(fileName, arguments, worldSize, rank => Environment(rank, worldSize, port), Console.Out, Console.Error);
    }

    /// <summary>The variables rank <paramref name="rank"/> of a one-host job gets.</summary>
    public static IReadOnlyDictionary<string, string> Environment(int rank, int worldSize, int port) => new Dictionary<string, string>
    {
        [DistributedSettings.RankVariable] = rank.ToString(),
        [DistributedSettings.LocalRankVariable] = rank.ToString(),
        [DistributedSettings.WorldSizeVariable] = worldSize.ToString(),
        ["LOCAL_WORLD_SIZE"] = worldSize.ToString(),
        [DistributedSettings.MasterAddressVariable] = "127.0.0.1",
        [DistributedSettings.MasterPortVariable] = port.ToString(),
    };

    /// <summary>
    /// This program's command line again, without <c>--gpus N</c> (or <c>--gpus=N</c>): the same executable (the
    /// <c>vit-sample</c> apphost, the <c>distrattention-gpu</c> bundle, or <c>dotnet</c> with the sample's dll) and arguments.
    /// </summary>
    /// <exception cref="InvalidOperationException">The command line has no <c>train</c> (e.g. a test host).</exception>
    public static (string FileName, List<string> Arguments) ChildCommand(string processPath, IReadOnlyList<string> commandLineArgs)
    {
        ArgumentNullException.ThrowIfNull(processPath);
        ArgumentNullException.ThrowIfNull(commandLineArgs);
        var arguments = new List<string>();
        if (Path.GetFileNameWithoutExtension(processPath).Equals("dotnet", StringComparison.OrdinalIgnoreCase) && commandLineArgs.Count > 0)
            arguments.Add(commandLineArgs[0]); // dotnet vit-sample.dll …
        for (int i = 1; i < commandLineArgs.Count; i++)
        {
            string a = commandLineArgs[i];
            if (a == GpusOption.Name) { i++; continue; }
            if (a.StartsWith(GpusOption.Name + "=", StringComparison.Ordinal)) continue;
            arguments.Add(a);
        }
        if (!arguments.Contains("train"))
            throw new InvalidOperationException(
                $"Cannot start the ranks: this process's command line ({processPath} {string.Join(' ', commandLineArgs.Skip(1))}) has no 'train'.");
        return (processPath, arguments);
    }

    /// <summary>
    /// Runs <paramref name="worldSize"/> copies of a command, each with its rank's variables, prefixing their lines, and
    /// stops the others as soon as one exits with an error. Ctrl-C reaches every rank from the terminal; this process
    /// then waits for them (10 s at most) before stopping what is left.
    /// </summary>
    /// <returns>0 when every rank exited with 0, else the first failing rank's exit code.</returns>
    public static int Run(string fileName, IReadOnlyList<string> arguments, int worldSize,
        Func<int, IReadOnlyDictionary<string, string>> environment, TextWriter output, TextWriter error)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        var processes = new List<Process>();
        var interrupted = new ManualResetEventSlim();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; interrupted.Set(); };
        Console.CancelKeyPress += onCancel;
        try
        {
            for (int rank = 0; rank < worldSize; rank++)
                processes.Add(Start(fileName, arguments, rank, environment(rank), output, error));
            var exits = processes.Select(p => p.WaitForExitAsync()).ToList();
            var running = Enumerable.Range(0, worldSize).ToList();
            while (running.Count > 0)
            {
                int done = Task.WaitAny(running.Select(r => exits[r]).ToArray(), interrupted.IsSet ? 10_000 : 200);
                if (done < 0)
                {
                    if (!interrupted.IsSet) continue;
                    lock (error) error.WriteLine("Interrupted: stopping the ranks still running");
                    return 130;
                }
                int rank = running[done];
                running.RemoveAt(done);
                exits[rank].GetAwaiter().GetResult(); // the rank's output has been read to its end
                int code = processes[rank].ExitCode;
                if (code != 0)
                {
                    if (running.Count > 0)
                        lock (error) error.WriteLine($"rank {rank} exited with code {code}; stopping rank(s) {string.Join(", ", running)}");
                    return code;
                }
            }
            return 0;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            foreach (var p in processes)
            {
                try
                {
                    if (!p.HasExited)
                    {
                        p.Kill(entireProcessTree: true);
                        p.WaitForExit();
                    }
                }
                catch (InvalidOperationException) { }
                p.Dispose();
            }
        }
    }

    private static Process Start(string fileName, IReadOnlyList<string> arguments, int rank,
        IReadOnlyDictionary<string, string> environment, TextWriter output, TextWriter error)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        foreach (var (key, value) in environment) start.Environment[key] = value;
        var process = new Process { StartInfo = start };
        string prefix = $"[rank {rank}] ";
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.WriteLine(prefix + e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (error) error.WriteLine(prefix + e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

}
