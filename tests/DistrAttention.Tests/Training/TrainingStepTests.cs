using DistrAttention.Vit.Training;
using TorchSharp.Modules;
using static DistrAttention.Tests.VitModel.TensorTestData;
using static TorchSharp.torch;

namespace DistrAttention.Tests.Training;

/// <summary>
/// <see cref="TrainingStep"/>: its flat-buffer AdamW against TorchSharp's own AdamW and clip_grad_norm_ (an independent
/// implementation), the parameters staying the model's, and the autocast-like precisions.
/// </summary>
public class TrainingStepTests
{
    public TrainingStepTests() => TorchRuntime.EnsureInitialized();

    private static VitConfig Config(AttentionOptions? attention = null) =>
        VitConfig.Tiny(16, 5, 1, 4) with { EmbedDim = 32, NumHeads = 2, Depth = 2, Attention = attention ?? AttentionOptions.Exact };

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.05)] // the clip then binds: the random model's gradient norm is well above 0.05
    public void FlatAdamWMatchesTorchSharpAdamWAndClipGradNorm(double maxNorm)
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        using var a = new VisionTransformer(Config());
        using var b = new VisionTransformer(Config());
        b.load_state_dict(a.state_dict());
        var options = new TrainingStepOptions { LearningRate = 3e-3, WeightDecay = 0.05, LabelSmoothing = 0.1, MaxGradNorm = maxNorm };
        using var step = new TrainingStep(a, options);
        var parameters = b.parameters().ToList();
        using var adam = optim.AdamW(
        [
            new AdamW.ParamGroup(parameters.Where(p => p.dim() >= 2), lr: 3e-3, weight_decay: 0.05),
            new AdamW.ParamGroup(parameters.Where(p => p.dim() < 2), lr: 3e-3, weight_decay: 0),
        ], lr: 3e-3);
        for (int i = 0; i < 4; i++)
        {
            using var inner = NewDisposeScope();
            var x = Randn(100 + i, ScalarType.Float32, 6, 1, 16, 16);
            var y = tensor(new long[] { 0, 1, 2, 3, 4, i % 5 });
            var result = step.Run(x, y);
            Assert.True(result.Applied);
            b.train();
            adam.zero_grad();
            var loss = nn.functional.cross_entropy(b.forward(x), y, label_smoothing: 0.1);
            loss.backward();
            if (maxNorm > 0) nn.utils.clip_grad_norm_(b.parameters(), maxNorm);
            adam.step();
            Assert.True(Math.Abs(result.Loss.item<float>() - loss.item<float>()) < 1e-5, $"step {i}: loss {result.Loss.item<float>()} vs {loss.item<float>()}");
        }
        foreach (var ((name, pa), (_, pb)) in a.named_parameters().Zip(b.named_parameters()))
        {
            double error = pa.sub(pb).abs().max().item<float>();
            Assert.True(error < 2e-5, $"{name}: max difference {error:E2} after 4 steps");
        }
    }

    [Fact]
    public void ParametersStayTheModelsAndCheckpointsSeeTheUpdates()
    {
        using var scope = NewDisposeScope();
        manual_seed(12);
        using var model = new VisionTransformer(Config());
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        using var step = new TrainingStep(model, new TrainingStepOptions { LearningRate = 1e-2 });
        var x = Randn(5, ScalarType.Float32, 4, 1, 16, 16);
        step.Run(x, tensor(new long[] { 1, 2, 3, 4 }));
        int changed = 0;
        foreach (var (name, value) in model.state_dict())
            if (!Identical(value, before[name])) changed++;
        Assert.True(changed >= model.parameters().Count(), $"only {changed} tensors changed");
        // The model computes with the updated values: a fresh copy loaded from its state dict agrees exactly.
        using var copy = new VisionTransformer(Config());
        copy.load_state_dict(model.state_dict());
        model.eval();
        copy.eval();
        using var noGrad = no_grad();
        Assert.True(Identical(model.forward(x), copy.forward(x)));
    }

    [Theory]
    [InlineData(ComputePrecision.BFloat16, 3e-2)]
    [InlineData(ComputePrecision.Float16, 5e-3)]
    public void ReducedPrecisionForwardIsCloseToFloat32AndKeepsFloat32Weights(ComputePrecision precision, double tolerance)
    {
        using var scope = NewDisposeScope();
        manual_seed(13);
        using var model = new VisionTransformer(Config(new AttentionOptions { GroupSize = 2, BlockSize = 16 }));
        model.eval();
        var x = Randn(6, ScalarType.Float32, 3, 1, 16, 16);
        using var noGrad = no_grad();
        var reference = model.forward(x);
        model.Precision = precision;
        var reduced = model.forward(x);
        // Matrix products in a 8-bit (bf16) or 11-bit (fp16) mantissa: errors of 2^-8 / 2^-11 per product, a few layers.
        Assert.True(RelativeError(reduced.to(ScalarType.Float32), reference) < tolerance, $"{precision}: {RelativeError(reduced.to(ScalarType.Float32), reference):E2}");
        Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Precision = (ComputePrecision)9);
    }

    [Fact]
    public void BFloat16TrainingLowersTheLossWithFloat32Gradients()
    {
        using var scope = NewDisposeScope();
        manual_seed(14);
        using var model = new VisionTransformer(Config(new AttentionOptions { GroupSize = 2, BlockSize = 16 }));
        model.Precision = ComputePrecision.BFloat16;
        using var step = new TrainingStep(model, new TrainingStepOptions { LearningRate = 3e-3, LabelSmoothing = 0 });
        var x = Randn(7, ScalarType.Float32, 8, 1, 16, 16);
        var y = tensor(new long[] { 0, 1, 2, 3, 4, 0, 1, 2 });
        double first = step.Run(x, y).Loss.item<float>(), last = first;
        for (int i = 0; i < 30; i++) last = step.Run(x, y).Loss.item<float>();
        Assert.True(last < 0.5 * first, $"loss {first} -> {last}");
        Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float32, p.grad!.dtype));
    }

    [Fact]
    public void LossScalerBacksOffOnOverflowAndGrowsAfterCleanSteps()
    {
        var scaler = new LossScaler();
        double start = scaler.Scale;
        Assert.False(scaler.Update(gradientsFinite: false));
        Assert.Equal(start / 2, scaler.Scale);
        Assert.Equal(1, scaler.SkippedSteps);
        for (int i = 0; i < 1999; i++) Assert.True(scaler.Update(true));
        Assert.Equal(start / 2, scaler.Scale);
        Assert.True(scaler.Update(true));
        Assert.Equal(start, scaler.Scale);
    }

    [Fact]
    public void BadLabelsAndOptionsNameTheArgument()
    {
        using var scope = NewDisposeScope();
        using var model = new VisionTransformer(Config());
        Assert.Equal("LearningRate", Assert.Throws<ArgumentOutOfRangeException>(
            () => new TrainingStep(model, new TrainingStepOptions { LearningRate = 0 })).ParamName);
        using var step = new TrainingStep(model, new TrainingStepOptions());
        var x = Randn(8, ScalarType.Float32, 2, 1, 16, 16);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => step.Run(x, tensor(new long[] { 1, 2, 3 }))).ParamName);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => step.Run(x, tensor(new float[] { 1, 2 }))).ParamName);
    }
}
