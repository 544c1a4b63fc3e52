using DistrAttention.Vit.Attention;
using TorchSharp;
using static TorchSharp.torch;

namespace DistrAttention.Vit.Native;

/// <summary>
/// A TorchSharp custom autograd function: the forward is the native CUDA kernel, the backward recomputes the
/// reference (<see cref="DistrAttentionReference.Compute"/>) under autograd on detached copies of Q, K, V and returns
/// its gradients (<c>torch.autograd.grad</c>), so training sees exactly the reference's gradients (same permutations:
/// the permutation is a constant of both).
/// <para>
/// Memory: the forward keeps only Q, K, V and R (no score matrix). The backward materialises one extra reference
/// forward per attention layer at a time: fp32 scores, exponentials and probabilities, O(B·H·N²) each (for ViT-Base at
/// 384 px, batch 64: 64·12·577²·4 B ≈ 1 GB per tensor), freed before the next layer's backward.
/// </para>
/// </summary>
public sealed class NativeDistrAttentionFunction : autograd.SingleTensorFunction<NativeDistrAttentionFunction>
{
    private const string SettingsKey = "settings";

    /// <summary>Options and scale of one call, stored on the autograd context.</summary>
    private sealed record Settings(AttentionOptions Options, double? Scale);

    /// <inheritdoc />
    public override string Name => "DistrAttentionNative";

    /// <summary>Applies the function: native forward, reference gradients.</summary>
    /// <param name="q">Queries [B, H, Nq, d] (CUDA, Float16/BFloat16).</param>
    /// <param name="k">Keys [B, H, Nk, d].</param>
    /// <param name="v">Values [B, H, Nk, d].</param>
    /// <param name="r">Projection matrix [l, 16] (float32; no gradient).</param>
    /// <param name="options">G, l, mode, causal flag.</param>
    /// <param name="scale">Score scale; null = 1/√d.</param>
    public static Tensor Apply(Tensor q, Tensor k, Tensor v, Tensor r, AttentionOptions options, double? scale = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return apply(q, k, v, r, new Settings(options, scale));
    }

    /// <inheritdoc />
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (q, k, v, r) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], (Tensor)vars[3]);
        var settings = (Settings)vars[4];
        ctx.save_for_backward([q, k, v, r]);
        ctx.save_data(SettingsKey, settings);
        return DistrAttentionNative.Forward(q, k, v, r, settings.Options, settings.Scale);
    }

    /// <inheritdoc />
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var settings = (Settings)ctx.get_data(SettingsKey);
        // Runs on libtorch's autograd thread: a local scope frees the recomputation; the gradients leave it.
        using var scope = NewDisposeScope();
        var saved = ctx.get_saved_variables();
        var inputs = saved.Take(3).Select(t => t.detach().requires_grad_(true)).ToList();
        Tensor[] grads;
        using (enable_grad())
        {
            var (output, lse) = DistrAttentionReference.Compute(inputs[0], inputs[1], inputs[2], saved[3], settings.Options, settings.Scale);
            grads = autograd.grad([output], inputs, [grad_output]).ToArray();
        }
        foreach (var g in grads) g.DetachFromDisposeScope();
        return [grads[0], grads[1], grads[2], null!, null!];
    }
}
