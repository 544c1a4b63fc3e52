namespace DistrAttention.Tests.Runtime;

/// <summary>Locates the TorchSharp native library the test run ships with.</summary>
internal static class NativeLibraryFiles
{
    public static string LibTorchSharp()
    {
        string root = AppContext.BaseDirectory;
        foreach (string candidate in new[] { root, Path.Combine(root, "runtimes", "linux-x64", "native") })
        {
            string path = Path.Combine(candidate, "libLibTorchSharp.so");
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException("libLibTorchSharp.so is not beside the test assembly.");
    }
}
