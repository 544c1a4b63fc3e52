namespace DistrAttention.Vit.Attention;

/// <summary>Which attention the encoder blocks use.</summary>
public enum AttentionKind
{
    /// <summary>Exact softmax attention (TorchSharp <c>scaled_dot_product_attention</c>).</summary>
    Exact,
    /// <summary>DistrAttention (arXiv 2507.17245): LSH-grouped columns of Q, contraction over d/G.</summary>
    DistrAttention,
}

/// <summary>How a group of Q columns is represented in Q̂.</summary>
public enum DistrAttentionMode
{
    /// <summary>The mean of the group's columns (halves the error variance; the default).</summary>
    Mean,
    /// <summary>The group's first column in the sorted order.</summary>
    Sample,
}

/// <summary>Which implementation of DistrAttention runs.</summary>
public enum AttentionImplementation
{
    /// <summary>The native CUDA kernel when the tensors are on CUDA and it supports the configuration, else the reference.</summary>
    Auto,
    /// <summary>The TorchSharp reference (the executable specification; CPU and CUDA, autograd).</summary>
    Reference,
    /// <summary>The native CUDA kernel; fails when it cannot run.</summary>
    Native,
}
