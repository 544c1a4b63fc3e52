using static TorchSharp.torch;

namespace DistrAttention.Vit.Attention;

/// <summary>The causal mask of docs/semantics.md: query i sees key j iff j ≤ i + Nk − Nq.</summary>
public static class CausalMask
{
    /// <summary>Boolean mask [rows, nk], true where query row i may see key j.</summary>
    /// <param name="rows">Query rows to build (may exceed Nq for padded blocks).</param>
    /// <param name="nq">Query count Nq that defines the offset.</param>
    /// <param name="nk">Key count Nk.</param>
    /// <param name="device">Device of the mask.</param>
    public static Tensor Allowed(long rows, long nq, long nk, Device device)
    {
        using var scope = NewDisposeScope();
        var i = arange(rows, ScalarType.Int64, device).unsqueeze(1);
        var j = arange(nk, ScalarType.Int64, device).unsqueeze(0);
        return j.le(i + (nk - nq)).MoveToOuterDisposeScope();
    }
}
