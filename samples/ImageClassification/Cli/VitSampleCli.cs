using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace ImageClassification.Cli;

/// <summary>The <c>vit-sample</c> command tree; <c>Program</c> runs it, tests call <see cref="Run"/> in-process.</summary>
public static class VitSampleCli
{
    /// <summary>Builds the root command with all sub-commands.</summary>
    public static RootCommand Build() => new("Train, evaluate and run a Vision Transformer image classifier with DistrAttention (ML.NET).")
    {
        TrainCommand.Create(),
        EvaluateCommand.Create(),
        PredictCommand.Create(),
        ImportFashionMnistCommand.Create(),
        InitCommand.Create(),
        Benchmark.BenchmarkCommand.Create(),
    };

    /// <summary>Console width used when stdout is redirected, so that log lines are not wrapped.</summary>
    public const int RedirectedWidth = 4096;

    /// <summary>
    /// Runs the command line as a program does: numbers print and parse the same everywhere (invariant culture), and a
    /// redirected log (file, pipe, CI) is not wrapped at Spectre.Console's default of 80 columns. Returns the exit code.
    /// </summary>
    public static int RunAsProgram(string[] args)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
        if (Console.IsOutputRedirected)
            AnsiConsole.Profile.Width = RedirectedWidth;
        return Run(args);
    }

    /// <summary>Parses and runs <paramref name="args"/>; returns the exit code.</summary>
    public static int Run(params string[] args) => Build().Parse(args).Invoke();
}
