using System.Diagnostics;

namespace DistrAttention.Tests;

/// <summary>How the tests start <c>dotnet</c> child processes (the sample CLI, a consumer app) and collect their output.</summary>
internal static class TestProcesses
{
    /// <summary><c>dotnet</c> (the test host's, when it says which) with redirected output and the given arguments.</summary>
    public static ProcessStartInfo Dotnet(string workingDirectory, IEnumerable<string> arguments)
    {
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        return start;
    }

    /// <summary><c>vit-sample</c> (built beside the tests) with the test run's dependency manifest.</summary>
    public static ProcessStartInfo Sample(IEnumerable<string> arguments)
    {
        string folder = AppContext.BaseDirectory;
        return Dotnet(folder, new[] { "exec", "--runtimeconfig", Path.Combine(folder, "vit-sample.runtimeconfig.json"),
            "--depsfile", Path.Combine(folder, "DistrAttention.Tests.deps.json"), Path.Combine(folder, "vit-sample.dll") }.Concat(arguments));
    }

    /// <summary>The repository checkout these tests were built from (the folder holding DistrAttention.sln).</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DistrAttention.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"DistrAttention.sln not found above {AppContext.BaseDirectory}.");
    }

    /// <summary>The build configuration of these tests (bin/&lt;Configuration&gt;/&lt;tfm&gt;/), so child builds reuse its outputs.</summary>
    public static string Configuration =>
        new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

    /// <summary>Runs <c>dotnet</c> with <paramref name="arguments"/> to its end; stdout and stderr together.</summary>
    public static (int ExitCode, string Output) RunDotnet(string workingDirectory, TimeSpan timeout, params string[] arguments)
    {
        var (exitCode, stdout, stderr) = Run(Dotnet(workingDirectory, arguments), timeout);
        return (exitCode, stdout + stderr);
    }

    /// <summary>Runs the process to its end; past <paramref name="timeout"/> it is killed and the exit code is −1.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(ProcessStartInfo start, TimeSpan timeout)
    {
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + start.FileName);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            return (-1, stdout.Result, $"timed out after {timeout}");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
