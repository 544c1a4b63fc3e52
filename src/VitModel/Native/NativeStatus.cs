namespace DistrAttention.Vit.Native;

/// <summary>Status codes of the native library's C ABI (<c>da_status</c> in <c>native/cuda/include/distr_attention.h</c>).</summary>
public enum NativeStatus
{
    /// <summary>Success.</summary>
    Ok = 0,
    /// <summary>A required pointer is NULL.</summary>
    NullArgument = 1,
    /// <summary>A shape, stride, alignment or value is invalid.</summary>
    InvalidArgument = 2,
    /// <summary>Valid but not supported (d, G, l, block size, GPU architecture).</summary>
    Unsupported = 3,
    /// <summary>The parameter struct's size or version is not understood.</summary>
    Version = 4,
    /// <summary>The library was built without CUDA kernels.</summary>
    NotBuiltWithCuda = 5,
    /// <summary>A CUDA runtime call or the launch failed.</summary>
    Cuda = 6,
    /// <summary>Unexpected internal failure (a bug in the library).</summary>
    Internal = 7,
}
