using static TorchSharp.torch;

namespace DistrAttention.Vit.Attention;

/// <summary>
/// The attention seam (docs/design.md): an encoder block asks an implementation for <c>O = Attend(Q, K, V)</c>.
/// Implementations are <see cref="TorchSharp.torch.nn.Module"/>s so that their state (DistrAttention's projection
/// matrix R) moves with the model and is saved in its state dict.
/// </summary>
public interface IAttention
{
    /// <summary>The options this implementation was built from.</summary>
    AttentionOptions Options { get; }

    /// <summary>Computes attention.</summary>
    /// <param name="q">Queries [B, H, Nq, d].</param>
    /// <param name="k">Keys [B, H, Nk, d].</param>
    /// <param name="v">Values [B, H, Nk, dv].</param>
    /// <returns>Output [B, H, Nq, dv] in the dtype of <paramref name="q"/>.</returns>
    /// <exception cref="ArgumentException">A shape, dtype or device does not fit; the message names the argument.</exception>
    Tensor Attend(Tensor q, Tensor k, Tensor v);
}
