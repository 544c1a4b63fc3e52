using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DistrAttention.Vit.Model;

/// <summary>timm-style initialisation: truncated normal (σ = 0.02) for position/class embeddings and Linear weights, zero biases.</summary>
internal static class VitInitialization
{
    private const double Std = 0.02;
    private const double Bound = 2.0; // timm truncates at ±2 absolute, i.e. ±100σ

    /// <summary>Initialises a freshly built model in place.</summary>
    public static void Apply(VisionTransformer model)
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
            if (name is "cls_token" or "pos_embed")
                TruncatedNormal(parameter);
        foreach (var module in model.modules())
        {
            if (module is not Linear linear) continue;
            TruncatedNormal(linear.weight!);
            if (linear.bias is { } bias) nn.init.zeros_(bias);
        }
    }

    // TorchSharp 0.107's init.trunc_normal_ fills a constant here, so draw a normal and clamp at the bounds.
    private static void TruncatedNormal(Tensor tensor) => tensor.normal_(0, Std).clamp_(-Bound, Bound);
}
