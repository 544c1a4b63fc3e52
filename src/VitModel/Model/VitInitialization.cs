using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DistrAttention.Vit.Model;

/// <summary>The initial weights of a freshly built model (<see cref="WeightInitialization"/>).</summary>
internal static class VitInitialization
{
    private const double Std = 0.02;
    private const double Bound = 2.0; // timm truncates at ±2 absolute, i.e. ±100σ

    /// <summary>Initialises a freshly built model in place.</summary>
    public static void Apply(VisionTransformer model, WeightInitialization initialization)
    {
        using var noGrad = no_grad();
        if (initialization == WeightInitialization.PyTorchDefault)
        {
            // The modules' constructors already drew PyTorch's defaults; only the embeddings have none.
            foreach (var (name, parameter) in model.named_parameters())
            {
                if (name == "pos_embed") parameter.normal_(0, Std);
                else if (name == "cls_token") parameter.zero_();
            }
            return;
        }
        if (initialization != WeightInitialization.Timm)
            throw new ArgumentOutOfRangeException(nameof(initialization), initialization, "Expected Timm or PyTorchDefault.");
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
