namespace DistrAttention.Vit.Model;

/// <summary>
/// The element type a <see cref="VisionTransformer"/> computes in, like PyTorch's autocast: with BFloat16 or Float16 the
/// matrix products and the patch convolution (and so attention) run in that type on casts of the float32 master
/// weights, while layer norm, the residual stream, softmax of the loss and the optimiser stay float32.
/// </summary>
public enum ComputePrecision
{
    /// <summary>float32 everywhere (on CUDA, matrix products may use TF32: see <c>TorchRuntime.EnableTf32</c>).</summary>
    Float32,
    /// <summary>bfloat16 matrix products: float32's range, so training needs no loss scaling (the GPU default).</summary>
    BFloat16,
    /// <summary>float16 matrix products: more mantissa bits; training uses dynamic loss scaling.</summary>
    Float16,
}
