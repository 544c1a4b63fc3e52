namespace DistrAttention.Runtime;

/// <summary>Where tensors live and kernels run.</summary>
public enum ComputeDevice
{
    /// <summary>CUDA when a CUDA libtorch is loaded and a GPU is visible, otherwise CPU.</summary>
    Auto,
    /// <summary>The CPU.</summary>
    Cpu,
    /// <summary>The current CUDA GPU; fails with a clear error when CUDA is not available.</summary>
    Cuda,
}
