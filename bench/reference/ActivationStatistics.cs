using static TorchSharp.torch;

namespace DistrAttention.Bench.Reference;

/// <summary>Describes where a tensor lies between the Gaussian and the uniform [0, 1) inputs of the synthetic tables.</summary>
internal static class ActivationStatistics
{
    /// <summary>
    /// Common-mode share of X [.., N, d]: ‖m 1ᵀ‖² / ‖X‖², m = each row's mean over the d columns. Grouping columns
    /// loses little when they share this common part (uniform [0, 1): ≈ 0.75) and much when they do not
    /// (isotropic Gaussian: ≈ 1/d).
    /// </summary>
    public static double CommonModeShare(Tensor x)
    {
        using var scope = NewDisposeScope();
        var common = x.mean([-1], keepdim: true).expand_as(x);
        return common.square().sum().item<float>() / x.square().sum().item<float>();
    }
}
