using DistrAttention.Runtime;
using ImageClassification.Data;
using ImageClassification.Training;

namespace ImageClassification.Cli;

/// <summary>Runs a command body and turns expected failures into one line on stderr and exit code 1 instead of a stack trace.</summary>
public static class CommandRunner
{
    /// <summary>Exit code for a failure caused by the user's input (bad option, folder, image or model file, no CUDA).</summary>
    public const int InputError = 1;

    /// <summary>Exit code of a run that was interrupted (as after Ctrl-C, 128 + SIGINT).</summary>
    public const int Interrupted = 130;

    /// <summary>Runs <paramref name="body"/>; returns 0, or <see cref="InputError"/> / <see cref="Interrupted"/> after printing one line.</summary>
    public static int Run(Action body)
    {
        try
        {
            body();
            return 0;
        }
        catch (RunInterruptedException e)
        {
            Console.Error.WriteLine(OneLine(e.Message));
            return Interrupted;
        }
        catch (Exception e) when (IsInputError(e))
        {
            Console.Error.WriteLine("error: " + OneLine(e.Message));
            return InputError;
        }
    }

    /// <summary>The message on one line (ArgumentException and others add "(Parameter …)" lines).</summary>
    public static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    // Only failures the user can fix are shortened; anything else keeps its stack trace for a bug report.
    private static bool IsInputError(Exception e) => e is UsageException or DatasetException or TorchRuntimeException
        or IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException or FormatException
        or DllNotFoundException;
}
