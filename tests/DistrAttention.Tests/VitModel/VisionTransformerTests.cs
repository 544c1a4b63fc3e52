using static DistrAttention.Tests.VitModel.TensorTestData;
using static TorchSharp.torch;

namespace DistrAttention.Tests.VitModel;

public class VisionTransformerTests
{
    /// <summary>Loads libtorch before the first TorchSharp call.</summary>
    public VisionTransformerTests() => TorchRuntime.EnsureInitialized();

    internal static VitConfig TinyConfig(AttentionOptions? attention = null) => new()
    {
        ImageSize = 32, PatchSize = 8, Channels = 1, EmbedDim = 32, Depth = 2, NumHeads = 2, NumClasses = 5,
        Attention = attention ?? new AttentionOptions { GroupSize = 2, BlockSize = 16 },
    };

    [Fact]
    public void ForwardGivesLogitsPerImage()
    {
        using var scope = NewDisposeScope();
        using var model = new VisionTransformer(TinyConfig());
        model.eval();
        var logits = model.forward(Randn(1, ScalarType.Float32, 3, 1, 32, 32));
        Assert.Equal(new long[] { 3, 5 }, logits.shape);
        Assert.False(logits.isnan().any().item<bool>());
        Assert.Equal(new long[] { 3, 32 }, model.ForwardFeatures(Randn(1, ScalarType.Float32, 3, 1, 32, 32)).shape);
    }

    [Theory]
    [InlineData("tiny", 5_717_416L)]
    [InlineData("small", 22_050_664L)]
    [InlineData("base", 86_567_656L)]
    public void PresetsHaveTimmParameterCounts(string preset, long timmCount)
    {
        var config = preset switch { "tiny" => VitConfig.Tiny(), "small" => VitConfig.Small(), _ => VitConfig.Base() };
        Assert.Equal(timmCount, config.ParameterCount());
        if (preset != "tiny") return; // building S/B costs seconds; the formula is checked against a built model below
        using var model = new VisionTransformer(config);
        Assert.Equal(timmCount, model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void ParameterCountFormulaMatchesABuiltModel()
    {
        var config = TinyConfig() with { MlpRatio = 3, NumClasses = 7, Channels = 3 };
        using var model = new VisionTransformer(config);
        Assert.Equal(config.ParameterCount(), model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void ParameterNamesFollowTimm()
    {
        using var model = new VisionTransformer(TinyConfig());
        var names = model.state_dict().Keys.ToHashSet();
        foreach (var name in new[]
                 {
                     "cls_token", "pos_embed", "patch_embed.proj.weight", "patch_embed.proj.bias", "blocks.0.norm1.weight",
                     "blocks.0.attn.qkv.weight", "blocks.0.attn.qkv.bias", "blocks.0.attn.proj.weight", "blocks.1.norm2.bias",
                     "blocks.1.mlp.fc1.weight", "blocks.1.mlp.fc2.bias", "norm.weight", "head.weight", "head.bias",
                     "blocks.0.attn.kernel.r",
                 })
            Assert.Contains(name, names);
        Assert.Equal(model.parameters().Count() + 2, names.Count); // + one R buffer per block
    }

    [Fact]
    public void InitialisationFollowsTimm()
    {
        using var model = new VisionTransformer(VitConfig.Tiny(imageSize: 32, numClasses: 10) with { Depth = 2 });
        var state = model.state_dict();
        Assert.Equal(0.0, state["head.bias"].abs().max().item<float>());
        double std = state["blocks.0.mlp.fc1.weight"].std().item<float>();
        Assert.InRange(std, 0.018, 0.022);
        Assert.InRange(state["pos_embed"].std().item<float>(), 0.015, 0.025);
    }

    [Fact]
    public void PyTorchDefaultInitialisationKeepsTheModuleDefaults()
    {
        using var model = new VisionTransformer(VitConfig.Tiny(imageSize: 32, numClasses: 10) with { Depth = 2 },
            initialization: WeightInitialization.PyTorchDefault);
        var state = model.state_dict();
        // Kaiming-uniform with a = √5: U(±1/√fan_in), std 1/√(3·fan_in); fc1's fan_in is the width 192.
        double expected = 1 / Math.Sqrt(3 * 192.0);
        Assert.InRange(state["blocks.0.mlp.fc1.weight"].std().item<float>(), 0.9 * expected, 1.1 * expected);
        Assert.True(state["head.bias"].abs().max().item<float>() > 0, "biases keep their uniform draw");
        Assert.Equal(0.0, state["cls_token"].abs().max().item<float>());
        Assert.InRange(state["pos_embed"].std().item<float>(), 0.015, 0.025);
    }

    [Fact]
    public void SetAttentionSwapsKernelsAndKeepsWeights()
    {
        using var scope = NewDisposeScope();
        using var model = new VisionTransformer(TinyConfig(AttentionOptions.Exact));
        model.eval();
        var images = Randn(2, ScalarType.Float32, 2, 1, 32, 32);
        var exact = model.forward(images);
        Assert.IsType<ExactAttention>(model.Blocks[0].Attention.Kernel);
        Assert.DoesNotContain("blocks.0.attn.kernel.r", model.state_dict().Keys);

        var distr = new AttentionOptions { GroupSize = 4, BlockSize = 16 };
        model.SetAttention(distr);
        Assert.Equal(distr, model.Config.Attention);
        Assert.IsType<DistrAttentionReference>(model.Blocks[1].Attention.Kernel);
        Assert.Contains("blocks.1.attn.kernel.r", model.state_dict().Keys);
        var approximate = model.forward(images);
        Assert.InRange(RelativeError(approximate, exact), 1e-6, 1.0);

        model.SetAttention(new AttentionOptions { GroupSize = 1, BlockSize = 16 }); // G = 1 is exact
        Assert.True(RelativeError(model.forward(images), exact) < 1e-5);
    }

    [Fact]
    public void TrainingStepChangesWeightsAndBackpropagatesThroughDistrAttention()
    {
        using var scope = NewDisposeScope();
        using var model = new VisionTransformer(TinyConfig() with { DropPath = 0.1, Dropout = 0.1 });
        model.train();
        var loss = nn.functional.cross_entropy(model.forward(Randn(3, ScalarType.Float32, 4, 1, 32, 32)),
            tensor(new long[] { 0, 1, 2, 3 }));
        loss.backward();
        var qkvGrad = model.state_dict().Keys.Contains("blocks.0.attn.qkv.weight")
            ? model.named_parameters().First(p => p.name == "blocks.0.attn.qkv.weight").parameter.grad
            : null;
        Assert.NotNull(qkvGrad);
        Assert.True(qkvGrad!.abs().sum().item<float>() > 0);
        Assert.False(qkvGrad.isnan().any().item<bool>());
    }

    [Fact]
    public void WrongImagesNameTheArgumentAndExpectedShape()
    {
        using var scope = NewDisposeScope();
        using var model = new VisionTransformer(TinyConfig());
        var e = Assert.Throws<ArgumentException>(() => model.forward(Randn(1, ScalarType.Float32, 2, 3, 32, 32)));
        Assert.Equal("images", e.ParamName);
        Assert.Contains("[B, 1, 32, 32]", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.forward(Randn(1, ScalarType.Float32, 2, 1, 28, 28)));
        Assert.Contains("[B, 1, 32, 32]", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.forward(ones(2, 1, 32, 32, ScalarType.Int64)));
        Assert.Contains("floating", e.Message);
    }

    [Theory]
    [InlineData("ImageSize")]
    [InlineData("NumHeads")]
    [InlineData("GroupSize")]
    [InlineData("DropPath")]
    public void InvalidConfigNamesTheField(string field)
    {
        var config = field switch
        {
            "ImageSize" => TinyConfig() with { ImageSize = 30 },
            "NumHeads" => TinyConfig() with { NumHeads = 3 },
            "GroupSize" => TinyConfig() with { Attention = new AttentionOptions { GroupSize = 32 } },
            _ => TinyConfig() with { DropPath = 1.5 },
        };
        var e = Assert.ThrowsAny<ArgumentException>(() => new VisionTransformer(config));
        Assert.Equal(field, e.ParamName);
    }
}
