namespace DistrAttention.Runtime;

/// <summary>Thrown when libtorch or TorchSharp's native library cannot be loaded, or a device is unavailable.</summary>
public sealed class TorchRuntimeException : Exception
{
    /// <summary>Creates the exception with a message saying what failed and how to fix it.</summary>
    public TorchRuntimeException(string message, Exception? inner = null) : base(message, inner) { }
}
