using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DistrAttention.Vit.Model;

/// <summary>The encoder MLP: fc1 → GELU → dropout → fc2 → dropout (timm names <c>fc1</c>, <c>fc2</c>).</summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    // Field names are the state-dict names (TorchSharp registers fields by name).
#pragma warning disable IDE1006
    private readonly Linear fc1;
    private readonly GELU act;
    private readonly Dropout drop1;
    private readonly Linear fc2;
    private readonly Dropout drop2;
#pragma warning restore IDE1006

    /// <summary>Creates the MLP.</summary>
    /// <param name="width">Input and output width D.</param>
    /// <param name="hidden">Hidden width.</param>
    /// <param name="dropout">Dropout probability.</param>
    /// <param name="name">Module name.</param>
    public Mlp(int width, int hidden, double dropout, string name = "mlp") : base(name)
    {
        fc1 = nn.Linear(width, hidden);
        act = nn.GELU();
        drop1 = nn.Dropout(dropout);
        fc2 = nn.Linear(hidden, width);
        drop2 = nn.Dropout(dropout);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = drop1.forward(act.forward(MixedPrecision.Linear(fc1, input)));
        return drop2.forward(MixedPrecision.Linear(fc2, x)).MoveToOuterDisposeScope();
    }
}
