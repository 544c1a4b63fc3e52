using TorchSharp;

namespace DistrAttention.Vit.Native;

/// <summary>Sets the <see cref="AttentionPrecision"/> of every native-capable attention module of a model.</summary>
public static class AttentionPrecisionExtensions
{
    /// <summary>
    /// Sets <see cref="NativeDistrAttention.Precision"/> on every <see cref="NativeDistrAttention"/> inside
    /// <paramref name="model"/> (reference and exact kernels are unaffected: they compute in the inputs' dtype, fp32 for
    /// an fp32 model). Kernels added later (e.g. by <c>SetAttention</c>) start at Float32 again.
    /// </summary>
    /// <returns>How many attention modules were set.</returns>
    public static int SetAttentionPrecision(this torch.nn.Module model, AttentionPrecision precision)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!Enum.IsDefined(precision))
            throw new ArgumentOutOfRangeException(nameof(precision), precision, "Expected Float32, Float16 or BFloat16.");
        int count = 0;
        foreach (var module in model.modules())
            if (module is NativeDistrAttention attention)
            {
                attention.Precision = precision;
                count++;
            }
        return count;
    }
}
