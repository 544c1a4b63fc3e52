using System.Reflection;
using System.Runtime.InteropServices;

namespace DistrAttention.Vit.Native;

/// <summary>
/// Finds and loads <c>libdistr_attention</c> once per process: the path (file or folder) in
/// <see cref="NativeKernels.LibraryEnvironmentVariable"/>, else the application folder, else the dynamic
/// loader's search path (<c>LD_LIBRARY_PATH</c>). A resolver hands that handle to the <c>[DllImport]</c>s.
/// </summary>
internal static class NativeLibraryLoader
{
    private static readonly Lazy<LoadResult> Result = new(LoadOnce, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly object Gate = new();
    private static bool resolverRegistered;

    /// <summary>Outcome of loading: a handle and its path, or the reason it failed.</summary>
    internal sealed record LoadResult(IntPtr Handle, string? Path, string? Error);

    /// <summary>File name of the library on this platform.</summary>
    public static string FileName =>
        RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "distr_attention.dll"
        : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "libdistr_attention.dylib"
        : "libdistr_attention.so";

    /// <summary>The load outcome (loading on first use).</summary>
    public static LoadResult Loaded => Result.Value;

    /// <summary>Registers the <c>[DllImport]</c> resolver of this assembly (idempotent).</summary>
    public static void RegisterResolver()
    {
        lock (Gate)
        {
            if (resolverRegistered) return;
            try
            {
                NativeLibrary.SetDllImportResolver(typeof(NativeLibraryLoader).Assembly, Resolve);
            }
            catch (InvalidOperationException)
            {
                // Another resolver is set for this assembly; DllImport then uses the default search, which still
                // finds the library beside the application or on LD_LIBRARY_PATH.
            }
            resolverRegistered = true;
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != NativeMethods.Library) return IntPtr.Zero; // LibTorchSharp etc.: default probing
        return Loaded.Handle; // zero: the runtime raises DllNotFoundException; callers check Loaded first
    }

    private static LoadResult LoadOnce()
    {
        string? configured = Environment.GetEnvironmentVariable(NativeKernels.LibraryEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            // An explicit setting never silently falls back to another copy.
            string path = Directory.Exists(configured) ? Path.Combine(configured, FileName) : configured;
            if (!File.Exists(path))
                return new(IntPtr.Zero, null,
                    $"{NativeKernels.LibraryEnvironmentVariable} names '{configured}', but {path} does not exist.");
            return TryLoad(path, out var handle, out var error)
                ? new(handle, path, null)
                : new(IntPtr.Zero, null, $"{NativeKernels.LibraryEnvironmentVariable} names '{path}', which could not be loaded: {error}");
        }

        string besideApp = Path.Combine(AppContext.BaseDirectory, FileName);
        if (File.Exists(besideApp))
            return TryLoad(besideApp, out var handle, out var error)
                ? new(handle, besideApp, null)
                : new(IntPtr.Zero, null, $"{besideApp} could not be loaded: {error}");

        if (NativeLibrary.TryLoad(FileName, out var searched))
            return new(searched, FileName + " (loader search path)", null);

        return new(IntPtr.Zero, null,
            $"{FileName} was not found: set {NativeKernels.LibraryEnvironmentVariable} to its path (or folder), or put it " +
            $"beside the application ({AppContext.BaseDirectory}). Build it with: cmake -S native/cuda -B build && cmake --build build.");
    }

    private static bool TryLoad(string path, out IntPtr handle, out string error)
    {
        error = "";
        if (NativeLibrary.TryLoad(path, out handle)) return true;
        try { NativeLibrary.Load(path); }
        catch (DllNotFoundException e) { error = e.Message; }
        catch (BadImageFormatException e) { error = e.Message; }
        return false;
    }
}
