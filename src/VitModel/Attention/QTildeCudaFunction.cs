using DistrAttention.Vit.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace DistrAttention.Vit.Attention;

/// <summary>
/// Q → Q̃ as an autograd function on CUDA (docs/semantics.md, Q-tilde): the forward is the native hashing pre-pass (<c>da_qtilde</c>,
/// Q̃ and σ in one kernel), the backward the native adjoint (<c>da_qtilde_backward</c>: the group mean of dQ̃ in Mean
/// mode; in Sample mode the group's sum to its representative). Only σ (int32, d per block) is saved for the backward:
/// with fused exact attention after it, DistrAttention trains at Q̃'s extra memory and two memory-bound passes.
/// <para>
/// TorchSharp runs the backward on libtorch's autograd thread, where no dispose scope is open: the gradient wrapper it
/// hands in is disposed here, and the returned dQ, which libtorch copies as soon as this returns, is released by the next
/// backward on the same thread (<see cref="ReturnedGradients"/>) instead of waiting for .NET's finaliser. Without that
/// every step's gradients outlived it until a GC (46 GB for ViT-B/224, docs/performance.md).
/// </para>
/// </summary>
internal sealed class QTildeCudaFunction : autograd.SingleTensorFunction<QTildeCudaFunction>
{
    private const string OptionsKey = "options";

    /// <summary>The forward's non-tensor arguments (R is not differentiated, so it gets no gradient slot).</summary>
    private sealed record State(Tensor Projection, AttentionOptions Options);

    /// <inheritdoc />
    public override string Name => "DistrAttentionNativeQTilde";

    /// <summary>Q̃ of <paramref name="q"/>; differentiable in q.</summary>
    /// <param name="q">Queries [B, H, Nq, d], CUDA, Float16/BFloat16, d ∈ {32, 64}, in the kernel's layout rules.</param>
    /// <param name="r">Projection matrix R [l, 16].</param>
    /// <param name="options">G &gt; 1, l ∈ {64, 128}, mode.</param>
    public static Tensor Apply(Tensor q, Tensor r, AttentionOptions options)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(options);
        return apply(q, new State(r, options));
    }

    /// <inheritdoc />
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (q, state) = ((Tensor)vars[0], (State)vars[1]);
        long blocks = (q.shape[2] + state.Options.BlockSize - 1) / state.Options.BlockSize;
        var sigma = empty([q.shape[0], q.shape[1], blocks, q.shape[3]], ScalarType.Int32, q.device);
        var qTilde = NativeKernels.QTilde(q, state.Projection, state.Options, sigma);
        ctx.save_for_backward([sigma]);
        ctx.save_data(OptionsKey, state.Options); // the backward needs only σ and G, l, mode
        return qTilde;
    }

    /// <inheritdoc />
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        ReturnedGradients.ReleaseEarlier();
        var options = (AttentionOptions)ctx.get_data(OptionsKey);
        Tensor gradQ;
        using (var scope = NewDisposeScope())
        {
            // Wrappers made on this thread for this call: disposed with the scope (their tensors live on in libtorch).
            scope.Attach(grad_output);
            var saved = ctx.get_saved_variables();
            scope.Attach(saved);
            var sigma = saved[0];
            gradQ = NativeKernels.QTildeBackward(DistrAttentionCuda.Prepare(grad_output), sigma, options)
                .MoveToOuterDisposeScope();
        }
        ReturnedGradients.Hold(gradQ);
        return [gradQ, null!];
    }

    /// <summary>
    /// Gradients returned to libtorch from this thread's backward calls. libtorch copies a returned tensor before the
    /// callback's caller goes on, and a thread runs one backward callback at a time, so when the next one starts on the
    /// same thread the earlier wrappers are no longer read and can be disposed. At most one gradient per autograd thread
    /// stays referenced between backward passes.
    /// </summary>
    private static class ReturnedGradients
    {
        [ThreadStatic] private static List<Tensor>? held;

        public static void ReleaseEarlier()
        {
            if (held is null) return;
            foreach (var t in held) t.Dispose();
            held.Clear();
        }

        public static void Hold(Tensor gradient) => (held ??= []).Add(gradient);
    }
}
