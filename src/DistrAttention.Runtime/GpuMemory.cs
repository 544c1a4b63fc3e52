using System.Runtime.InteropServices;
using System.Text;

namespace DistrAttention.Runtime;

/// <summary>
/// Device memory in use and the device's name, read from the CUDA runtime and driver that libtorch already loaded
/// (TorchSharp 0.107 has no <c>max_memory_allocated</c>, <c>mem_get_info</c> or <c>get_device_name</c>).
/// The figure is <c>total − free</c> of <c>cudaMemGetInfo</c>, as PyTorch's <c>torch.cuda.mem_get_info()</c> gives it:
/// device-wide, so it counts this process's CUDA context, loaded kernels and everything its caching allocator holds,
/// and any other process on the same GPU.
/// </summary>
public static class GpuMemory
{
    private const double MiB = 1024.0 * 1024.0;

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int MemGetInfo(out nuint free, out nuint total);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int CuInit(uint flags);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int CuDeviceGetName(byte[] name, int length, int device);

    private static readonly Lazy<MemGetInfo?> RuntimeMemGetInfo = new(() => Export<MemGetInfo>(CudartCandidates(), "cudaMemGetInfo"));
    private static readonly Lazy<MemGetInfo?> DriverMemGetInfo = new(() => Export<MemGetInfo>(["libcuda.so.1", "libcuda.so"], "cuMemGetInfo_v2"));

    /// <summary>
    /// (used, total) in MiB of the current CUDA device (device 0 for TorchSharp), or null when no CUDA runtime can be
    /// found. Call it on the thread that runs the CUDA work, after that work has created the CUDA context.
    /// </summary>
    public static (double UsedMiB, double TotalMiB)? Query()
    {
        foreach (var function in new[] { RuntimeMemGetInfo.Value, DriverMemGetInfo.Value })
        {
            if (function is null) continue;
            try
            {
                if (function(out nuint free, out nuint total) == 0 && total > 0)
                    return ((total - free) / MiB, total / MiB);
            }
            catch (Exception e) when (e is SEHException or MarshalDirectiveException)
            {
                // try the next one
            }
        }
        return null;
    }

    /// <summary>The name of CUDA device 0 (e.g. "NVIDIA H200"), or null.</summary>
    public static string? DeviceName()
    {
        var init = Export<CuInit>(["libcuda.so.1", "libcuda.so"], "cuInit");
        var name = Export<CuDeviceGetName>(["libcuda.so.1", "libcuda.so"], "cuDeviceGetName");
        if (init is null || name is null) return null;
        try
        {
            if (init(0) != 0) return null;
            var buffer = new byte[256];
            if (name(buffer, buffer.Length, 0) != 0) return null;
            int end = Array.IndexOf(buffer, (byte)0);
            return Encoding.UTF8.GetString(buffer, 0, end < 0 ? buffer.Length : end).Trim();
        }
        catch (Exception e) when (e is SEHException or MarshalDirectiveException)
        {
            return null;
        }
    }

    /// <summary>
    /// Where libcudart may be: by soname first (libtorch_cuda already loaded it, so dlopen returns that copy), then
    /// beside the PyTorch install whose torch/lib is in use (site-packages/nvidia/*/lib, e.g. nvidia/cu13/lib for CUDA 13
    /// wheels, nvidia/cuda_runtime/lib for CUDA 12 wheels).
    /// </summary>
    public static IEnumerable<string> CudartCandidates(string? libTorchDirectory = null)
    {
        yield return "libcudart.so.13";
        yield return "libcudart.so.12";
        yield return "libcudart.so";
        string? torchLib = libTorchDirectory ?? TorchRuntime.LoadedLibTorchDirectory
            ?? Environment.GetEnvironmentVariable(TorchRuntime.LibTorchEnvironmentVariable);
        if (string.IsNullOrWhiteSpace(torchLib)) yield break;
        string nvidia = Path.GetFullPath(Path.Combine(torchLib, "..", "..", "nvidia"));
        if (!Directory.Exists(nvidia)) yield break;
        foreach (string lib in Directory.EnumerateDirectories(nvidia).Select(d => Path.Combine(d, "lib")).Where(Directory.Exists).Order())
            foreach (string file in Directory.EnumerateFiles(lib, "libcudart.so*").OrderDescending())
                yield return file;
    }

    private static T? Export<T>(IEnumerable<string> libraries, string symbol) where T : Delegate
    {
        foreach (string library in libraries)
        {
            if (!NativeLibrary.TryLoad(library, out nint handle)) continue;
            if (NativeLibrary.TryGetExport(handle, symbol, out nint address))
                return Marshal.GetDelegateForFunctionPointer<T>(address);
        }
        return null;
    }
}
