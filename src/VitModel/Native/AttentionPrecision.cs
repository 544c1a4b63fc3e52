namespace DistrAttention.Vit.Native;

/// <summary>
/// Element type of the attention computation on CUDA. Weights, activations outside attention and the optimizer stay
/// float32 (master weights); with Float16/BFloat16, Q, K and V are cast before the native kernel and its output is cast
/// back to float32, and autograd casts the gradients back through the same casts.
/// </summary>
public enum AttentionPrecision
{
    /// <summary>float32 everywhere: on CUDA, fp32 attention inputs use the reference (the kernel needs fp16/bf16).</summary>
    Float32,
    /// <summary>Attention in float16 (the kernel's fastest type; gradients of very small magnitude may underflow).</summary>
    Float16,
    /// <summary>Attention in bfloat16 (float32's range, fewer mantissa bits: the safer choice for training).</summary>
    BFloat16,
}
