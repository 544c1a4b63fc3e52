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
