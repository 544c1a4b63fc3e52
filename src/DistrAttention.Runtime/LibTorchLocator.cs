using System.Diagnostics;

namespace DistrAttention.Runtime;

/// <summary>Finds the <c>torch/lib</c> folder of an installed PyTorch, for running TorchSharp on its CUDA libtorch.</summary>
internal static class LibTorchLocator
{
    /// <summary>True when an NVIDIA driver is present on this host.</summary>
    public static bool NvidiaDriverPresent() =>
        File.Exists("/proc/driver/nvidia/version") || File.Exists("/dev/nvidiactl");

    /// <summary>True when <paramref name="directory"/> holds a libtorch build with CUDA.</summary>
    public static bool IsCudaLibTorch(string directory) =>
        File.Exists(Path.Combine(directory, "libtorch_cuda.so")) && File.Exists(Path.Combine(directory, "libtorch_cpu.so"));

    /// <summary>Asks the <c>python3</c> on PATH (or of an active virtual environment) where its torch/lib is.</summary>
    public static string? Detect()
    {
        foreach (string python in PythonCandidates())
        {
            string? lib = AskPython(python);
            if (lib is not null && IsCudaLibTorch(lib))
                return lib;
        }
        return null;
    }

    private static IEnumerable<string> PythonCandidates()
    {
        foreach (string variable in new[] { "VIRTUAL_ENV", "CONDA_PREFIX" })
        {
            string? prefix = Environment.GetEnvironmentVariable(variable);
            if (!string.IsNullOrEmpty(prefix))
                yield return Path.Combine(prefix, "bin", "python3");
        }
        yield return "python3";
    }

    private static string? AskPython(string python)
    {
        try
        {
            var start = new ProcessStartInfo(python)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add("-c");
            // find_spec avoids importing torch (seconds, and CUDA initialisation).
            start.ArgumentList.Add("import importlib.util, os; s = importlib.util.find_spec('torch'); " +
                                   "print(os.path.join(os.path.dirname(s.origin), 'lib') if s else '')");
            using var process = Process.Start(start);
            if (process is null) return null;
            string output = process.StandardOutput.ReadToEnd().Trim();
            if (!process.WaitForExit(20_000)) { process.Kill(); return null; }
            return process.ExitCode == 0 && output.Length > 0 && Directory.Exists(output) ? output : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return null;
        }
    }
}
