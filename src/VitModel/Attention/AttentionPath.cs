namespace DistrAttention.Vit.Attention;

/// <summary>Which implementation a <see cref="DistrAttentionCuda"/> call ran.</summary>
public enum AttentionPath
{
    /// <summary>No call yet.</summary>
    None,
    /// <summary>The native CUDA kernel.</summary>
    Native,
    /// <summary>DistrAttention in TorchSharp ops: Q̃ (<see cref="Attention.QTilde"/>) plus exact attention.</summary>
    Reference,
    /// <summary>The training path on CUDA: Q̃ and its adjoint from the native pre-pass (<c>da_qtilde</c>, <c>da_qtilde_backward</c>), fused exact attention.</summary>
    NativeQTilde,
}
