using DistrAttention.Tests.VitModel;
using DistrAttention.Vit.Native;
using static DistrAttention.Tests.VitModel.TensorTestData;
using static TorchSharp.torch;

namespace DistrAttention.Tests.Native;

/// <summary>The native-capable module on the CPU: it must be the reference there, with the same R and state dict.</summary>
public class DistrAttentionCudaTests
{
    public DistrAttentionCudaTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void OnTheCpuItIsTheReference()
    {
        using var scope = NewDisposeScope();
        var options = new AttentionOptions { GroupSize = 4, BlockSize = 64, Seed = 11 };
        var q = Randn(1, ScalarType.Float32, 2, 3, 97, 32);
        var k = Randn(2, ScalarType.Float32, 2, 3, 97, 32);
        var v = Randn(3, ScalarType.Float32, 2, 3, 97, 32);
        var native = new DistrAttentionCuda(options, 32);
        var reference = new DistrAttentionReference(options, 32);
        Assert.True(native.Projection.eq(reference.Projection).all().item<bool>());
        Assert.Equal(0.0, RelativeError(native.forward(q, k, v), reference.forward(q, k, v)));
        Assert.Equal(AttentionPath.Reference, native.LastPath);
        Assert.Equal(reference.state_dict().Keys, native.state_dict().Keys);
    }

    [Theory]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float64)]
    public void DtypeConversionsKeepTheProjectionInFloat32(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var options = new AttentionOptions { GroupSize = 2, BlockSize = 64, Seed = 5 };
        var expected = new DistrAttentionReference(options, 64).Projection.clone();
        var config = VitConfig.Tiny(imageSize: 32, numClasses: 3) with { Depth = 2, Attention = options };
        using var model = new VisionTransformer(config);
        model.to(dtype);
        model.to(CPU, dtype);
        var projections = model.named_buffers().Where(b => b.name.EndsWith(".r", StringComparison.Ordinal)).ToList();
        Assert.Equal(config.Depth, projections.Count);
        foreach (var (name, r) in projections)
        {
            Assert.True(r.dtype == ScalarType.Float32, $"{name} became {r.dtype}");
            Assert.True(r.eq(expected).all().item<bool>(), $"{name} changed values");
        }
        Assert.Equal(dtype, model.parameters().First().dtype); // the rest of the model did convert
    }

    [Fact]
    public void ExplicitNativeOnTheCpuFailsClearly()
    {
        using var scope = NewDisposeScope();
        var module = (IAttention)AttentionFactory.Create(new AttentionOptions { Implementation = AttentionImplementation.Native }, 64);
        var x = Randn(1, ScalarType.Float16, 1, 1, 64, 64);
        var e = Assert.Throws<NotSupportedException>(() => module.Attend(x, x, x));
        Assert.Contains("CPU", e.Message);
    }
}
