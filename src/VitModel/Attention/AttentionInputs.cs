using static TorchSharp.torch;

namespace DistrAttention.Vit.Attention;

/// <summary>Shape/dtype checks shared by the attention implementations; messages name the argument.</summary>
internal static class AttentionInputs
{
    /// <summary>Checks Q, K, V against docs/semantics.md and returns (B, H, Nq, Nk, d, dv).</summary>
    public static (long B, long H, long Nq, long Nk, long D, long Dv) Check(Tensor q, Tensor k, Tensor v, bool allowDouble)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(k);
        ArgumentNullException.ThrowIfNull(v);
        CheckRank(q, nameof(q), "[B, H, Nq, d]");
        CheckRank(k, nameof(k), "[B, H, Nk, d]");
        CheckRank(v, nameof(v), "[B, H, Nk, dv]");
        CheckDType(q, nameof(q), allowDouble);
        if (k.dtype != q.dtype)
            throw new ArgumentException($"k must have the dtype of q ({q.dtype}), got {k.dtype}.", nameof(k));
        if (v.dtype != q.dtype)
            throw new ArgumentException($"v must have the dtype of q ({q.dtype}), got {v.dtype}.", nameof(v));
        if (!SameDevice(k, q))
            throw new ArgumentException($"k must be on the device of q ({q.device}), got {k.device}.", nameof(k));
        if (!SameDevice(v, q))
            throw new ArgumentException($"v must be on the device of q ({q.device}), got {v.device}.", nameof(v));
        long b = q.shape[0], h = q.shape[1], nq = q.shape[2], d = q.shape[3];
        long nk = k.shape[2], dv = v.shape[3];
        if (k.shape[0] != b || v.shape[0] != b)
            throw new ArgumentException($"Batch size B must match q's B = {b}; got k {k.shape[0]}, v {v.shape[0]}.",
                k.shape[0] != b ? nameof(k) : nameof(v));
        if (k.shape[1] != h || v.shape[1] != h)
            throw new ArgumentException($"Head count H must match q's H = {h}; got k {k.shape[1]}, v {v.shape[1]}.",
                k.shape[1] != h ? nameof(k) : nameof(v));
        if (k.shape[3] != d)
            throw new ArgumentException($"k's head dimension must equal q's d = {d}, got {k.shape[3]}.", nameof(k));
        if (v.shape[2] != nk)
            throw new ArgumentException($"v's token count must equal k's Nk = {nk}, got {v.shape[2]}.", nameof(v));
        if (nk == 0 || d == 0)
            throw new ArgumentException($"k must have at least one key and d > 0, got shape [{string.Join(", ", k.shape)}].", nameof(k));
        return (b, h, nq, nk, d, dv);
    }

    private static bool SameDevice(Tensor a, Tensor b) =>
        a.device_type == b.device_type && a.device_index == b.device_index;

    /// <summary>Checks a tensor's rank is 4.</summary>
    public static void CheckRank(Tensor t, string name, string expected)
    {
        if (t.dim() != 4)
            throw new ArgumentException(
                $"{name} must be a 4-D tensor {expected}, got shape [{string.Join(", ", t.shape)}].", name);
    }

    /// <summary>Checks the dtype is fp32, fp16 or bf16 (and fp64 where allowed).</summary>
    public static void CheckDType(Tensor t, string name, bool allowDouble)
    {
        bool ok = t.dtype is ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16
                  || (allowDouble && t.dtype == ScalarType.Float64);
        if (!ok)
            throw new ArgumentException(
                $"{name} must have dtype Float32, Float16 or BFloat16{(allowDouble ? " (or Float64 in the reference)" : "")}, got {t.dtype}.",
                name);
    }
}
