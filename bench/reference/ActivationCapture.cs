using DistrAttention.Vit.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace DistrAttention.Bench.Reference;

/// <summary>
/// Runs a model over images with a <see cref="CapturingAttention"/> in every encoder block and returns, per block,
/// the Q, K, V its attention received. The blocks run with the model's own (trained) attention, so block i &gt; 0 sees
/// exactly the activations the deployed model produces.
/// </summary>
internal static class ActivationCapture
{
    private const string KernelName = "kernel";

    /// <summary>Per-block (Q, K, V), each [images, H, N, d], and the model's logits [images, classes].</summary>
    /// <param name="model">The model; its kernels are replaced by hooks (use a copy that is disposed afterwards).</param>
    /// <param name="images">Input batch [images, C, S, S].</param>
    /// <param name="batchSize">Images per forward pass.</param>
    public static (IReadOnlyList<(Tensor Q, Tensor K, Tensor V)> Blocks, Tensor Logits) Run(
        VisionTransformer model, Tensor images, int batchSize = 250)
    {
        var hooks = model.Blocks.Select(block => Install(block.Attention)).ToList();
        using var noGrad = no_grad();
        var logits = new List<Tensor>();
        for (long start = 0; start < images.shape[0]; start += batchSize)
            logits.Add(model.forward(images.narrow(0, start, Math.Min(batchSize, images.shape[0] - start))));
        return (hooks.Select(h => h.Captured()).ToList(), cat(logits, 0));
    }

    // The same unregister-then-register dance as SelfAttention.SetAttention: the kernel slot is a named child.
    private static CapturingAttention Install(SelfAttention attention)
    {
        var hook = new CapturingAttention(attention.Kernel, KernelName); // the old kernel becomes the hook's child
        attention.register_module(KernelName, null!);
        attention.register_module(KernelName, hook);
        return hook;
    }
}
