namespace DistrAttention.Vit.Native;

/// <summary>Which implementation a <see cref="NativeDistrAttention"/> call ran.</summary>
public enum AttentionPath
{
    /// <summary>No call yet.</summary>
    None,
    /// <summary>The native CUDA kernel.</summary>
    Native,
    /// <summary>The TorchSharp reference.</summary>
    Reference,
}
