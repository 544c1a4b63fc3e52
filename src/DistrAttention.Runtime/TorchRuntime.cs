using System.Runtime.InteropServices;
using TorchSharp;

namespace DistrAttention.Runtime;

/// <summary>
/// Loads libtorch and TorchSharp's native library once per process, and resolves devices.
/// <para>
/// CPU: the libtorch-cpu that ships with the application (package TorchSharp-cpu).
/// CUDA: the libtorch of an existing PyTorch install, named by <see cref="LibTorchDirectory"/> or the
/// <c>DISTRATTENTION_LIBTORCH</c> environment variable, or detected from <c>python3</c> when an NVIDIA driver
/// is present and the application ships no libtorch of its own. The libraries are preloaded in dependency order
/// (libc10, libtorch_cpu, libc10_cuda, libtorch_cuda, libtorch), then <c>libLibTorchSharp.so</c>.
/// On hosts whose libstdc++ predates GLIBCXX_3.4.32 (Debian 12), a compatible copy of libLibTorchSharp.so is used
/// (see docs/gpu-hosts.md); hosts with a newer libstdc++ load the original unchanged.
/// </para>
/// </summary>
public static class TorchRuntime
{
    /// <summary>Environment variable naming the <c>torch/lib</c> folder of a PyTorch install to run on.</summary>
    public const string LibTorchEnvironmentVariable = "DISTRATTENTION_LIBTORCH";

    /// <summary>Environment variable naming the folder for the libstdc++ compatibility copy (default: the user cache).</summary>
    public const string CacheEnvironmentVariable = "DISTRATTENTION_CACHE";

    private static readonly string[] ExternalLoadOrder =
        ["libc10.so", "libtorch_cpu.so", "libc10_cuda.so", "libtorch_cuda.so", "libtorch.so"];
    private static readonly string[] BundledLoadOrder = ["libc10.so", "libtorch_cpu.so", "libtorch.so"];

    private static readonly object Gate = new();
    private static bool initialized;
    private static string? libTorchDirectory;

    /// <summary>
    /// The <c>torch/lib</c> folder of an external libtorch to load (for CUDA). Set it before the first use of
    /// TorchSharp; null means: use <see cref="LibTorchEnvironmentVariable"/>, then auto-detection.
    /// </summary>
    public static string? LibTorchDirectory
    {
        get => libTorchDirectory;
        set
        {
            lock (Gate)
            {
                if (initialized && value != libTorchDirectory)
                    throw new InvalidOperationException("LibTorchDirectory must be set before TorchSharp is first used.");
                libTorchDirectory = value;
            }
        }
    }

    /// <summary>The external libtorch folder in use, or null when the bundled CPU libtorch is used.</summary>
    public static string? LoadedLibTorchDirectory { get; private set; }

    /// <summary>Loads the native libraries if this has not happened yet. Safe to call from any thread.</summary>
    /// <exception cref="TorchRuntimeException">A library could not be loaded; the message says which and why.</exception>
    public static void EnsureInitialized()
    {
        if (Volatile.Read(ref initialized)) return;
        lock (Gate)
        {
            if (initialized) return;
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
                LoadLinuxNatives();
            try
            {
                torch.InitializeDeviceType(DeviceType.CPU);
                if (LoadedLibTorchDirectory is not null)
                    torch.TryInitializeDeviceType(DeviceType.CUDA);
            }
            catch (Exception e) when (e is not TorchRuntimeException)
            {
                throw new TorchRuntimeException(
                    "TorchSharp could not initialise libtorch. " + Hint() + Environment.NewLine + e.Message, e);
            }
            Volatile.Write(ref initialized, true);
        }
    }

    /// <summary>True when CUDA tensors can be created in this process.</summary>
    public static bool CudaAvailable
    {
        get
        {
            EnsureInitialized();
            return LoadedLibTorchDirectory is not null && torch.cuda.is_available();
        }
    }

    /// <summary>Maps a requested device to a TorchSharp device, loading libraries first.</summary>
    /// <exception cref="TorchRuntimeException"><see cref="ComputeDevice.Cuda"/> was asked for and is not available.</exception>
    public static torch.Device Resolve(ComputeDevice requested)
    {
        EnsureInitialized();
        return requested switch
        {
            ComputeDevice.Cpu => torch.CPU,
            ComputeDevice.Cuda when CudaAvailable => torch.CUDA,
            ComputeDevice.Cuda => throw new TorchRuntimeException(
                "ComputeDevice.Cuda was requested but CUDA is not available. " + Hint()),
            _ => CudaAvailable ? torch.CUDA : torch.CPU,
        };
    }

    /// <summary>
    /// Lets float32 matrix products and convolutions on CUDA use TF32 tensor cores (PyTorch's <c>allow_tf32</c> flags,
    /// process-wide as in PyTorch) until the returned scope is disposed, which restores the previous flags. Does nothing
    /// for the CPU. The trainer uses it for Float32 training; scoring leaves the flags as the application set them.
    /// The LSH hash of DistrAttention turns TF32 off around its projection so that its sign bits stay those of float32
    /// (docs/semantics.md step 1).
    /// </summary>
    /// <param name="device">The device a model trains on.</param>
    public static IDisposable UseTf32(torch.Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.type != DeviceType.CUDA) return new Tf32Flags(null);
        var previous = new Tf32Flags((torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32));
        torch.backends.cuda.matmul.allow_tf32 = true;
        torch.backends.cudnn.allow_tf32 = true;
        return previous;
    }

    /// <summary>Restores the TF32 flags it was created with (none: nothing to restore).</summary>
    private sealed class Tf32Flags((bool Matmul, bool Cudnn)? saved) : IDisposable
    {
        private (bool Matmul, bool Cudnn)? saved = saved;

        public void Dispose()
        {
            if (saved is not { } s) return;
            saved = null;
            torch.backends.cuda.matmul.allow_tf32 = s.Matmul;
            torch.backends.cudnn.allow_tf32 = s.Cudnn;
        }
    }

    private static string Hint() =>
        $"For CUDA, set {LibTorchEnvironmentVariable} (or TorchRuntime.LibTorchDirectory) to the torch/lib folder of " +
        "a PyTorch 2.10/2.11 CUDA install and run a build made with -p:DistrAttentionGpuBundle=true (scripts/gpu-bundle.sh).";

    private static void LoadLinuxNatives()
    {
        string? nativeDirectory = FindBundledNativeDirectory();
        string? external = ChooseExternalLibTorch(
            libTorchDirectory ?? Environment.GetEnvironmentVariable(LibTorchEnvironmentVariable),
            nativeDirectory, LibTorchLocator.NvidiaDriverPresent, LibTorchLocator.Detect);
        string? torchSharp = nativeDirectory is null ? null : Path.Combine(nativeDirectory, "libLibTorchSharp.so");
        if (torchSharp is null || !File.Exists(torchSharp))
        {
            if (external is null) return; // let TorchSharp report its own probing trace
            throw new TorchRuntimeException(
                $"libLibTorchSharp.so was not found beside the application ({AppContext.BaseDirectory}).");
        }

        string loadable = LibStdCxxCompat.HostHasRequiredVersion()
            ? torchSharp
            : LibStdCxxCompat.PrepareLoadable(torchSharp, CacheRoot());
        if (external is null && loadable == torchSharp)
            return; // nothing to do: TorchSharp's own probing loads the bundled libraries

        string dependencies = external ?? nativeDirectory!;
        foreach (string name in external is null ? BundledLoadOrder : ExternalLoadOrder)
        {
            string path = Path.Combine(dependencies, name);
            if (!File.Exists(path))
            {
                if (name.Contains("cuda", StringComparison.Ordinal)) continue;
                throw new TorchRuntimeException($"{name} was not found in {dependencies}. " + Hint());
            }
            Load(path);
        }
        Load(loadable);
        LoadedLibTorchDirectory = external;
    }

    /// <summary>Picks the external libtorch folder, or null for the bundled CPU libtorch.</summary>
    internal static string? ChooseExternalLibTorch(
        string? requested, string? nativeDirectory, Func<bool> driverPresent, Func<string?> detect)
    {
        bool bundlesLibTorch = nativeDirectory is not null && File.Exists(Path.Combine(nativeDirectory, "libtorch_cpu.so"));
        if (!string.IsNullOrWhiteSpace(requested))
        {
            if (!Directory.Exists(requested) || !File.Exists(Path.Combine(requested, "libtorch_cpu.so")))
                throw new TorchRuntimeException(
                    $"{LibTorchEnvironmentVariable} names '{requested}', which holds no libtorch_cpu.so: expected the torch/lib folder of a PyTorch install.");
            if (bundlesLibTorch)
                throw new TorchRuntimeException(
                    $"An external libtorch ('{requested}') was requested, but this application ships libtorch-cpu in {nativeDirectory}; " +
                    "two libtorch copies cannot share a process. Build with -p:DistrAttentionGpuBundle=true (scripts/gpu-bundle.sh).");
            return requested;
        }
        if (bundlesLibTorch || !driverPresent())
            return null;
        return detect() ?? throw new TorchRuntimeException(
            "This application ships no libtorch and none was found: an NVIDIA driver is present but python3 has no CUDA torch. " + Hint());
    }

    private static string? FindBundledNativeDirectory()
    {
        string root = AppContext.BaseDirectory;
        foreach (string candidate in new[] { root, Path.Combine(root, "runtimes", "linux-x64", "native") })
            if (File.Exists(Path.Combine(candidate, "libLibTorchSharp.so")))
                return candidate;
        return null;
    }

    private static string CacheRoot()
    {
        string? configured = Environment.GetEnvironmentVariable(CacheEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured)) return configured;
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string preferred = !string.IsNullOrWhiteSpace(xdg) ? Path.Combine(xdg, "distrattention")
            : !string.IsNullOrWhiteSpace(home) ? Path.Combine(home, ".cache", "distrattention")
            : Path.Combine(Path.GetTempPath(), "distrattention");
        try
        {
            Directory.CreateDirectory(preferred);
            return preferred;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Path.Combine(Path.GetTempPath(), "distrattention-" + Environment.UserName);
        }
    }

    private static void Load(string path)
    {
        if (!NativeLibrary.TryLoad(path, out _))
        {
            string reason = "";
            try { NativeLibrary.Load(path); }
            catch (DllNotFoundException e) { reason = e.Message; }
            throw new TorchRuntimeException($"Could not load {path}: {reason}. " + Hint());
        }
    }
}
