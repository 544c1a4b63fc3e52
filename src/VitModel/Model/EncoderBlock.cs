using DistrAttention.Vit.Attention;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DistrAttention.Vit.Model;

/// <summary>Pre-norm encoder block: x + DropPath(Attn(LN(x))), then x + DropPath(MLP(LN(x))) (timm <c>Block</c>).</summary>
public sealed class EncoderBlock : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly LayerNorm norm1;
    private readonly SelfAttention attn;
    private readonly DropPath drop_path1;
    private readonly LayerNorm norm2;
    private readonly Mlp mlp;
    private readonly DropPath drop_path2;
#pragma warning restore IDE1006

    /// <summary>Creates a block.</summary>
    /// <param name="config">Model configuration.</param>
    /// <param name="dropPath">This block's stochastic depth rate.</param>
    /// <param name="name">Module name.</param>
    public EncoderBlock(VitConfig config, double dropPath, string name = "block") : base(name)
    {
        ArgumentNullException.ThrowIfNull(config);
        norm1 = nn.LayerNorm(config.EmbedDim, eps: VisionTransformer.LayerNormEpsilon);
        attn = new SelfAttention(config.EmbedDim, config.NumHeads, config.Dropout, config.Attention);
        drop_path1 = new DropPath(dropPath);
        norm2 = nn.LayerNorm(config.EmbedDim, eps: VisionTransformer.LayerNormEpsilon);
        mlp = new Mlp(config.EmbedDim, (int)Math.Round(config.EmbedDim * config.MlpRatio), config.Dropout);
        drop_path2 = new DropPath(dropPath);
        RegisterComponents();
    }

    /// <summary>The block's attention layer.</summary>
    public SelfAttention Attention => attn;

    /// <summary>Replaces the block's attention kernel.</summary>
    /// <param name="options">New attention options.</param>
    public void SetAttention(AttentionOptions options) => attn.SetAttention(options);

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.add(drop_path1.forward(attn.forward(norm1.forward(input))));
        x = x.add(drop_path2.forward(mlp.forward(norm2.forward(x))));
        return x.MoveToOuterDisposeScope();
    }
}
