using System.Runtime.InteropServices;
using DistrAttention.Runtime;

namespace DistrAttention.Vit.Distributed;

/// <summary>
/// <c>cudaSetDevice</c> for the calling thread: NCCL binds a communicator to the thread's current CUDA device, and
/// TorchSharp 0.107 has no <c>torch.cuda.set_device</c>. The CUDA runtime is the one libtorch_cuda already loaded into
/// this process (found in <c>/proc/self/maps</c>), else <c>libcudart.so.13</c>/<c>.12</c> through the dynamic loader.
/// </summary>
internal static unsafe class CudaRuntime
{
    private static readonly Lazy<(IntPtr SetDevice, IntPtr ErrorString, string? Error)> Functions = new(Bind);

    /// <summary>Makes <paramref name="index"/> the current CUDA device of the calling thread.</summary>
    /// <exception cref="TorchRuntimeException">The CUDA runtime is not in the process, or the call failed.</exception>
    public static void SetDevice(int index)
    {
        var (setDevice, errorString, error) = Functions.Value;
        if (error is not null) throw new TorchRuntimeException(error);
        int status = ((delegate* unmanaged<int, int>)setDevice)(index);
        if (status != 0)
            throw new TorchRuntimeException(
                $"cudaSetDevice({index}) failed: {Marshal.PtrToStringUTF8(((delegate* unmanaged<int, IntPtr>)errorString)(status))} (error {status}).");
    }

    private static (IntPtr, IntPtr, string?) Bind()
    {
        var names = new List<string>();
        try
        {
            // The copy libtorch_cuda loaded: a second CUDA runtime in the process would have its own current device.
            names.AddRange(File.ReadLines("/proc/self/maps")
                .Select(line => line.IndexOf('/') is var at and >= 0 ? line[at..] : "")
                .Where(path => Path.GetFileName(path).StartsWith("libcudart.so", StringComparison.Ordinal))
                .Distinct());
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        names.AddRange(["libcudart.so.13", "libcudart.so.12", "libcudart.so"]);
        foreach (string name in names)
            if (NativeLibrary.TryLoad(name, out var handle)
                && NativeLibrary.TryGetExport(handle, "cudaSetDevice", out var setDevice)
                && NativeLibrary.TryGetExport(handle, "cudaGetErrorString", out var errorString))
                return (setDevice, errorString, null);
        return (IntPtr.Zero, IntPtr.Zero,
            $"The CUDA runtime (libcudart) is not loaded in this process and was not found (tried {string.Join(", ", names)}); " +
            "distributed training needs the CUDA libtorch of a PyTorch install (set DISTRATTENTION_LIBTORCH).");
    }
}
