using DistrAttention.Vit.Attention;
using DistrAttention.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DistrAttention.Vit.Model;

/// <summary>
/// Vision Transformer classifier (timm <c>VisionTransformer</c> with class-token pooling): patch embedding, class
/// token, learned position embedding, pre-norm encoder blocks, final LayerNorm, linear head on the class token.
/// Parameter names follow timm (<c>cls_token</c>, <c>pos_embed</c>, <c>patch_embed.proj.weight</c>,
/// <c>blocks.0.attn.qkv.weight</c>, <c>norm.weight</c>, <c>head.weight</c>, ...); DistrAttention kernels add the
/// buffers <c>blocks.{i}.attn.kernel.r</c>.
/// </summary>
public sealed class VisionTransformer : nn.Module<Tensor, Tensor>
{
    /// <summary>LayerNorm epsilon (timm ViT uses 1e-6).</summary>
    public const double LayerNormEpsilon = 1e-6;

#pragma warning disable IDE1006 // field names are the state-dict names
    private readonly PatchEmbedding patch_embed;
    private readonly Parameter cls_token;
    private readonly Parameter pos_embed;
    private readonly Dropout pos_drop;
    private readonly ModuleList<EncoderBlock> blocks;
    private readonly LayerNorm norm;
    private readonly Linear head;
#pragma warning restore IDE1006

    /// <summary>Builds a randomly initialised model.</summary>
    /// <param name="config">Architecture; validated.</param>
    /// <param name="name">Module name.</param>
    /// <param name="initialization">How the weights are drawn (default timm's: truncated normal σ = 0.02, zero biases).</param>
    /// <exception cref="ArgumentException">The configuration is invalid; the message names the field.</exception>
    public VisionTransformer(VitConfig config, string name = "vit", WeightInitialization initialization = WeightInitialization.Timm)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        TorchRuntime.EnsureInitialized();
        Config = config;
        patch_embed = new PatchEmbedding(config);
        cls_token = nn.Parameter(zeros(1, 1, config.EmbedDim));
        pos_embed = nn.Parameter(zeros(1, config.TokenCount, config.EmbedDim));
        pos_drop = nn.Dropout(config.Dropout);
        blocks = new ModuleList<EncoderBlock>();
        for (int i = 0; i < config.Depth; i++)
        {
            double rate = config.Depth == 1 ? 0 : config.DropPath * i / (config.Depth - 1); // linear schedule
            blocks.Add(new EncoderBlock(config, rate));
        }
        norm = nn.LayerNorm(config.EmbedDim, eps: LayerNormEpsilon);
        head = nn.Linear(config.EmbedDim, config.NumClasses);
        RegisterComponents();
        VitInitialization.Apply(this, initialization);
    }

    /// <summary>The architecture; <see cref="VitConfig.Attention"/> reflects the last <see cref="SetAttention"/>.</summary>
    public VitConfig Config { get; private set; }

    /// <summary>
    /// The element type the forward computes in (<see cref="ComputePrecision"/>): with BFloat16 or Float16, matrix
    /// products, the patch convolution and attention run in that type on casts of the float32 weights, as under
    /// PyTorch's autocast; layer norm and the residual stream stay float32. Float32 by default.
    /// </summary>
    public ComputePrecision Precision
    {
        get => precision;
        set
        {
            MixedPrecision.ScalarTypeOf(value); // validates
            precision = value;
        }
    }

    private ComputePrecision precision = ComputePrecision.Float32;

    /// <summary>The encoder blocks.</summary>
    public IReadOnlyList<EncoderBlock> Blocks => blocks.ToList();

    /// <summary>Class-token features after the final LayerNorm, before the head: [B, D].</summary>
    /// <param name="images">Images [B, C, H, W], floating point.</param>
    /// <exception cref="ArgumentException">The images do not match the configuration; the message gives the expected shape.</exception>
    public Tensor ForwardFeatures(Tensor images)
    {
        CheckImages(images);
        using var scope = NewDisposeScope();
        using var compute = MixedPrecision.Enter(Precision);
        // Under a reduced precision the patch projection runs in it; the residual stream stays in the weights' dtype.
        var tokens = patch_embed.forward(images).to(cls_token.dtype); // [B, N, D]
        var cls = cls_token.expand(tokens.shape[0], -1, -1);
        var x = pos_drop.forward(cat([cls, tokens], 1).add(pos_embed));
        foreach (var block in blocks)
            x = block.forward(x);
        return norm.forward(x).select(1, 0).MoveToOuterDisposeScope();
    }

    /// <summary>Logits [B, NumClasses].</summary>
    /// <param name="input">Images [B, C, H, W], floating point.</param>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        using var compute = MixedPrecision.Enter(Precision);
        return MixedPrecision.Linear(head, ForwardFeatures(input)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Replaces the attention of every block (for example to fine-tune an Exact-trained model with DistrAttention).
    /// Weights are kept; new kernels are placed on the model's device.
    /// </summary>
    /// <param name="options">New attention options, validated against the head dimension.</param>
    /// <exception cref="ArgumentException">The options are invalid for this model's head dimension.</exception>
    public void SetAttention(AttentionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(Config.HeadDim);
        foreach (var block in blocks)
            block.SetAttention(options);
        Config = Config with { Attention = options };
    }

    private void CheckImages(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        string expected = $"[B, {Config.Channels}, {Config.ImageSize}, {Config.ImageSize}]";
        if (images.dim() != 4 || images.shape[1] != Config.Channels || images.shape[2] != Config.ImageSize
            || images.shape[3] != Config.ImageSize || images.shape[0] == 0)
            throw new ArgumentException(
                $"images must have shape {expected}, got [{string.Join(", ", images.shape)}].", nameof(images));
        if (!images.is_floating_point())
            throw new ArgumentException($"images must be a floating-point tensor, got {images.dtype}.", nameof(images));
    }
}
