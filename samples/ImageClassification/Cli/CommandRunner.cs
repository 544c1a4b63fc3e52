using ImageClassification.Data;
using Spectre.Console;

namespace ImageClassification.Cli;

/// <summary>Runs a command body and turns expected failures into one red line and exit code 1 instead of a stack trace.</summary>
public static class CommandRunner
{
    /// <summary>Exit code for a failure caused by the user's input (bad folder, bad image, bad model file).</summary>
    public const int InputError = 1;

    /// <summary>Runs <paramref name="body"/>; returns 0, or <see cref="InputError"/> after printing the message.</summary>
    public static int Run(Action body)
    {
        try
        {
            body();
            return 0;
        }
        catch (Exception e) when (IsInputError(e))
        {
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return InputError;
        }
    }

    // Only failures the user can fix are shortened; anything else keeps its stack trace for a bug report.
    private static bool IsInputError(Exception e) => e is DatasetException or IOException or InvalidDataException
        or ArgumentException or UnauthorizedAccessException or FormatException;
}
