using static TorchSharp.torch;

namespace DistrAttention.Vit.Attention;

/// <summary>
/// What every DistrAttention module shares: validated options, the head dimension, and the projection matrix R
/// [l, 16] as the buffer <c>r</c>, drawn from <see cref="AttentionOptions.Seed"/> on the CPU so that it does not depend
/// on the device and state dicts of the reference and native modules are interchangeable.
/// </summary>
public abstract class DistrAttentionModule : nn.Module<Tensor, Tensor, Tensor, Tensor>, IAttention
{
    private const string ProjectionBuffer = "r";

    /// <summary>Validates <paramref name="options"/> against <paramref name="headDim"/> and registers R.</summary>
    /// <exception cref="ArgumentException">The options are invalid for <paramref name="headDim"/>.</exception>
    protected DistrAttentionModule(AttentionOptions options, int headDim, string name) : base(name)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(headDim);
        Options = options;
        HeadDim = headDim;
        register_buffer(ProjectionBuffer, DistrAttentionLsh.ProjectionMatrix(options.BlockSize, options.Seed));
    }

    /// <inheritdoc />
    public AttentionOptions Options { get; }

    /// <summary>Head dimension d the options were validated for.</summary>
    public int HeadDim { get; }

    /// <summary>The projection matrix R [l, 16] (a registered buffer: it follows <c>.to(device)</c> and the state dict).</summary>
    public Tensor Projection => get_buffer(ProjectionBuffer)!;

    /// <inheritdoc />
    public Tensor Attend(Tensor q, Tensor k, Tensor v) => forward(q, k, v);

    /// <summary>
    /// A dtype conversion (<c>model.to(ScalarType.Float16)</c>) leaves R in float32: the hash is defined in float32
    /// (docs/semantics.md step 1), so a half-precision copy of a model hashes as the model did, and the native kernel gets
    /// R as it reads it instead of a cast of R on every call. The module has no parameters, so nothing else converts.
    /// </summary>
    protected override nn.Module _to(ScalarType dtype, bool non_blocking) => this;

    /// <summary>Moves R to <paramref name="device"/>, keeping it float32 (see the dtype-only overload).</summary>
    protected override nn.Module _to(Device device, ScalarType dtype, bool non_blocking) =>
        _to(device.type, device.index, non_blocking);
}
