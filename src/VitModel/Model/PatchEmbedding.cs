using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DistrAttention.Vit.Model;

/// <summary>Patch embedding: a Conv2d with kernel = stride = patch size, flattened to tokens [B, N, D] (timm <c>patch_embed.proj</c>).</summary>
public sealed class PatchEmbedding : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly Conv2d proj;
#pragma warning restore IDE1006
    private readonly long patchSize;

    /// <summary>Creates the patch embedding for a configuration.</summary>
    /// <param name="config">Model configuration.</param>
    /// <param name="name">Module name.</param>
    public PatchEmbedding(VitConfig config, string name = "patch_embed") : base(name)
    {
        ArgumentNullException.ThrowIfNull(config);
        patchSize = config.PatchSize;
        proj = nn.Conv2d(config.Channels, config.EmbedDim, config.PatchSize, stride: config.PatchSize);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return MixedPrecision.Conv(proj, input, patchSize).flatten(2).transpose(1, 2).MoveToOuterDisposeScope();
    }
}
