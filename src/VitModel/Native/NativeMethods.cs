using System.Runtime.InteropServices;

namespace DistrAttention.Vit.Native;

/// <summary>
/// P/Invoke declarations. <c>distr_attention</c> is resolved by <see cref="NativeLibraryLoader"/> (environment variable,
/// application folder, then the loader's search path); <c>LibTorchSharp</c> is already loaded by TorchSharp and is
/// found the same way TorchSharp finds it (both assemblies sit in the same folder).
/// </summary>
internal static unsafe class NativeMethods
{
    public const string Library = "distr_attention";

    static NativeMethods() => NativeLibraryLoader.RegisterResolver();

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern void da_fwd_params_init(DaFwdParams* p);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern int da_forward(DaFwdParams* p, IntPtr stream);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern int da_qtilde(DaFwdParams* p, IntPtr stream);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern int da_qtilde_backward(DaFwdParams* p, IntPtr stream);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern int da_check_params(DaFwdParams* p);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern int da_check_qtilde_params(DaFwdParams* p);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr da_last_error();

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr da_status_string(int status);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern int da_api_version();

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern int da_built_with_cuda();

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern int da_reference_permutation(float* q, int rows, int d, int l, float* r, int* perm);

    /// <summary>The address of a tensor's first element (<c>at::Tensor::data_ptr()</c>, storage offset included).
    /// TorchSharp 0.107 has no public API for it on CUDA tensors.</summary>
    [DllImport("LibTorchSharp", CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr THSTensor_data(IntPtr handle);

    public static string LastError() => Marshal.PtrToStringUTF8(da_last_error()) ?? "";

    public static string StatusName(int status) => Marshal.PtrToStringUTF8(da_status_string(status)) ?? $"status {status}";
}
