using DistrAttention.Vit.Attention;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DistrAttention.Vit.Model;

/// <summary>
/// Multi-head self-attention of an encoder block: <c>qkv</c> Linear → attention kernel (the seam of docs/design.md) → <c>proj</c>
/// Linear → dropout. The kernel is the submodule <c>kernel</c>; <see cref="SetAttention"/> swaps it.
/// </summary>
public sealed class SelfAttention : nn.Module<Tensor, Tensor>
{
    private const string KernelName = "kernel";
#pragma warning disable IDE1006
    private readonly Linear qkv;
    private readonly Linear proj;
    private readonly Dropout proj_drop;
#pragma warning restore IDE1006
    private readonly int heads;
    private readonly int headDim;

    /// <summary>Creates the attention layer.</summary>
    /// <param name="width">Embedding width D.</param>
    /// <param name="heads">Head count H (divides D).</param>
    /// <param name="dropout">Dropout after the projection.</param>
    /// <param name="options">Attention kernel options.</param>
    /// <param name="name">Module name.</param>
    public SelfAttention(int width, int heads, double dropout, AttentionOptions options, string name = "attn") : base(name)
    {
        if (heads <= 0 || width % heads != 0)
            throw new ArgumentOutOfRangeException(nameof(heads), heads, $"Head count must divide the width {width}.");
        this.heads = heads;
        headDim = width / heads;
        qkv = nn.Linear(width, 3 * width);
        proj = nn.Linear(width, width);
        proj_drop = nn.Dropout(dropout);
        RegisterComponents();
        register_module(KernelName, AttentionFactory.Create(options, headDim, KernelName));
    }

    /// <summary>The attention kernel in use.</summary>
    public IAttention Kernel => (IAttention)named_children().First(c => c.name == KernelName).module;

    /// <summary>Replaces the attention kernel, placing the new one on this layer's device (R stays float32).</summary>
    /// <param name="options">New attention options, validated against the head dimension.</param>
    public void SetAttention(AttentionOptions options)
    {
        var replacement = AttentionFactory.Create(options, headDim, KernelName);
        replacement.to(qkv.weight!.device);
        var old = named_children().First(c => c.name == KernelName).module;
        register_module(KernelName, null!);
        register_module(KernelName, replacement);
        old.Dispose();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        long b = input.shape[0], n = input.shape[1], width = input.shape[2];
        var parts = MixedPrecision.Linear(qkv, input).reshape(b, n, 3, heads, headDim).permute(2, 0, 3, 1, 4); // [3, B, H, N, d]
        var attended = Kernel.Attend(parts[0], parts[1], parts[2]); // [B, H, N, d]
        var merged = attended.transpose(1, 2).reshape(b, n, width);
        return proj_drop.forward(MixedPrecision.Linear(proj, merged)).MoveToOuterDisposeScope();
    }
}
