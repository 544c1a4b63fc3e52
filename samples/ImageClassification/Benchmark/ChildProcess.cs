using System.Diagnostics;
using System.Text;

namespace ImageClassification.Benchmark;

/// <summary>Starts this executable again (or another program) and collects its output.</summary>
public static class ChildProcess
{
    /// <summary>The output of a finished (or killed) child.</summary>
    /// <param name="ExitCode">Exit code; -1 when it timed out and was killed.</param>
    /// <param name="StandardOutput">Everything it wrote to standard output.</param>
    /// <param name="StandardError">Everything it wrote to standard error.</param>
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError)
    {
        /// <summary>The last lines of both streams, for an error note.</summary>
        public string Tail(int lines = 5) => string.Join(" / ", (StandardError + "\n" + StandardOutput)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(lines));
    }

    /// <summary>
    /// How to start this process's own command line again as <c>… benchmark --single CASE</c>: the same executable
    /// (the <c>vit-sample</c> apphost, the <c>distrattention-gpu</c> bundle, or <c>dotnet</c> with the sample's dll), the
    /// arguments before <c>benchmark</c> (the bundle's <c>sample</c>), then <paramref name="tail"/>.
    /// </summary>
    /// <param name="processPath"><see cref="Environment.ProcessPath"/>.</param>
    /// <param name="commandLineArgs"><see cref="Environment.GetCommandLineArgs"/>: element 0 is the program (the dll under dotnet).</param>
    /// <param name="tail">The arguments after <c>benchmark</c>.</param>
    /// <exception cref="InvalidOperationException">The command line has no <c>benchmark</c> (e.g. a test host).</exception>
    public static (string FileName, List<string> Arguments) SelfCommand(string processPath, IReadOnlyList<string> commandLineArgs, IEnumerable<string> tail)
    {
        ArgumentNullException.ThrowIfNull(processPath);
        ArgumentNullException.ThrowIfNull(commandLineArgs);
        int at = -1;
        for (int i = 1; i < commandLineArgs.Count; i++)
            if (commandLineArgs[i] == "benchmark") { at = i; break; }
        if (at < 0)
            throw new InvalidOperationException(
                $"Cannot start a child process of this program ({processPath}): its command line has no 'benchmark'. Use --in-process.");
        var arguments = new List<string>();
        string host = Path.GetFileNameWithoutExtension(processPath);
        if (host.Equals("dotnet", StringComparison.OrdinalIgnoreCase) && commandLineArgs.Count > 0)
            arguments.Add(commandLineArgs[0]); // dotnet vit-sample.dll …
        arguments.AddRange(commandLineArgs.Skip(1).Take(at - 1));
        arguments.Add("benchmark");
        arguments.AddRange(tail);
        return (processPath, arguments);
    }

    /// <summary>Runs <paramref name="fileName"/> with <paramref name="arguments"/>; kills it after <paramref name="timeout"/>.</summary>
    /// <param name="fileName">Program.</param>
    /// <param name="arguments">Arguments, passed as they are (no shell).</param>
    /// <param name="timeout">Wall-clock limit.</param>
    /// <param name="environment">Extra environment variables.</param>
    /// <param name="onStandardOutputLine">Sees each line of standard output as it arrives (e.g. to echo progress).</param>
    /// <param name="onStandardErrorLine">Sees each line of standard error as it arrives.</param>
    /// <exception cref="System.ComponentModel.Win32Exception">The program cannot be started.</exception>
    public static Result Run(string fileName, IEnumerable<string> arguments, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null, Action<string>? onStandardOutputLine = null,
        Action<string>? onStandardErrorLine = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        if (environment is not null)
            foreach (var (key, value) in environment) start.Environment[key] = value;
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stdout) stdout.AppendLine(e.Data);
            onStandardOutputLine?.Invoke(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stderr) stderr.AppendLine(e.Data);
            onStandardErrorLine?.Invoke(e.Data);
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            process.WaitForExit();
            lock (stderr) stderr.AppendLine($"timed out after {timeout.TotalSeconds:F0} s and was killed");
            return new Result(-1, stdout.ToString(), stderr.ToString());
        }
        process.WaitForExit(); // drains the asynchronous readers
        return new Result(process.ExitCode, stdout.ToString(), stderr.ToString());
    }
}
