using DistrAttention.Vit.Attention;
using TorchSharp;
using static TorchSharp.torch;

namespace DistrAttention.Vit.Native;

/// <summary>
/// Q → Q̃ as a TorchSharp autograd function whose forward is the native hashing pre-pass (<c>da_qtilde</c>, which also
/// writes σ_b) and whose backward is the adjoint dQ_b = dQ̃_b·W_bᵀ with W_b from the saved σ_b
/// (<see cref="QTilde.ExpansionMatrix"/>): the group mean of dQ̃ in Mean mode; in Sample mode the group's sum goes to
/// its representative column. σ is piecewise constant in Q, so it carries no gradient. Followed by fused exact
/// attention this is DistrAttention's training path on CUDA (DESIGN.md §3.8): memory O(N·d), no N×N tensor.
/// </summary>
public sealed class NativeQTildeFunction : autograd.SingleTensorFunction<NativeQTildeFunction>
{
    private const string SettingsKey = "settings";

    /// <inheritdoc />
    public override string Name => "DistrAttentionNativeQTilde";

    /// <summary>Q̃ of <paramref name="q"/> (CUDA, Float16/BFloat16, d ∈ {32, 64}, l ∈ {64, 128}).</summary>
    /// <param name="q">Queries [B, H, Nq, d].</param>
    /// <param name="r">Projection matrix [l, 16] (no gradient).</param>
    /// <param name="options">G, l, mode.</param>
    public static Tensor Apply(Tensor q, Tensor r, AttentionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return apply(q, r, options);
    }

    /// <inheritdoc />
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (q, r, options) = ((Tensor)vars[0], (Tensor)vars[1], (AttentionOptions)vars[2]);
        long blocks = (q.shape[2] + options.BlockSize - 1) / options.BlockSize;
        var sigma = empty([q.shape[0], q.shape[1], blocks, q.shape[3]], ScalarType.Int32, q.device);
        var qTilde = DistrAttentionNative.QTilde(q, r, options, sigma);
        ctx.save_for_backward([sigma]);
        ctx.save_data(SettingsKey, options);
        return qTilde;
    }

    /// <inheritdoc />
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var options = (AttentionOptions)ctx.get_data(SettingsKey);
        // Runs on libtorch's autograd thread: a local scope frees the temporaries; the gradient leaves it.
        using var scope = NewDisposeScope();
        var sigma = ctx.get_saved_variables()[0];
        var w = QTilde.ExpansionMatrix(sigma, options.GroupSize, options.Mode, grad_output.dtype);
        var grad = QTilde.ApplyBlockwise(grad_output, w.transpose(-1, -2), options.BlockSize);
        grad.DetachFromDisposeScope();
        return [grad, null!, null!];
    }
}
