using TorchSharp;
using static TorchSharp.torch;

namespace DistrAttention.Vit.Model;

/// <summary>Stochastic depth: in training, drops a sample's whole residual branch with probability p and rescales the rest.</summary>
public sealed class DropPath : nn.Module<Tensor, Tensor>
{
    private readonly double probability;

    /// <summary>Creates a drop-path layer.</summary>
    /// <param name="probability">Drop probability in [0, 1).</param>
    /// <param name="name">Module name.</param>
    public DropPath(double probability, string name = "drop_path") : base(name)
    {
        if (probability is < 0 or >= 1 || double.IsNaN(probability))
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "Drop-path rate must be in [0, 1).");
        this.probability = probability;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (!training || probability == 0)
            return input.alias();
        using var scope = NewDisposeScope();
        var shape = new long[input.dim()];
        Array.Fill(shape, 1L);
        shape[0] = input.shape[0];
        double keep = 1 - probability;
        var mask = empty(shape, input.dtype, input.device).bernoulli_(keep);
        return input.mul(mask).div(keep).MoveToOuterDisposeScope();
    }
}
