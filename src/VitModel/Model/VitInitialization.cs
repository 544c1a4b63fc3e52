using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DistrAttention.Vit.Model;

/// <summary>timm-style initialisation: truncated normal (σ = 0.02) for position/class embeddings and Linear weights, zero biases.</summary>
internal static class VitInitialization
{
    private const double Std = 0.02;

    /// <summary>Initialises a freshly built model in place.</summary>
    public static void Apply(VisionTransformer model)
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
            if (name is "cls_token" or "pos_embed")
                nn.init.trunc_normal_(parameter, std: Std);
        foreach (var module in model.modules())
        {
            if (module is not Linear linear) continue;
            nn.init.trunc_normal_(linear.weight!, std: Std);
            if (linear.bias is { } bias) nn.init.zeros_(bias);
        }
    }
}
