using static DistrAttention.Tests.VitModel.TensorTestData;
using static TorchSharp.torch;

namespace DistrAttention.Tests.VitModel;

public class AttentionValidationTests
{
    /// <summary>Loads libtorch before the first TorchSharp call.</summary>
    public AttentionValidationTests() => TorchRuntime.EnsureInitialized();

    private static readonly AttentionOptions Distr = new() { GroupSize = 2, BlockSize = 16 };

    public static TheoryData<AttentionKind> Kinds => new() { AttentionKind.Exact, AttentionKind.DistrAttention };

    private static IAttention Create(AttentionKind kind) => (IAttention)AttentionFactory.Create(Distr with { Kind = kind }, 16);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void WrongRankNamesTheArgument(AttentionKind kind)
    {
        using var scope = NewDisposeScope();
        var good = Randn(1, ScalarType.Float32, 1, 2, 8, 16);
        var e = Assert.ThrowsAny<ArgumentException>(() => Create(kind).Attend(Randn(1, ScalarType.Float32, 2, 8, 16), good, good));
        Assert.Equal("q", e.ParamName);
        Assert.Contains("[B, H, Nq, d]", e.Message);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void MismatchedShapesNameTheArgument(AttentionKind kind)
    {
        using var scope = NewDisposeScope();
        var q = Randn(1, ScalarType.Float32, 1, 2, 8, 16);
        var e = Assert.ThrowsAny<ArgumentException>(() => Create(kind).Attend(q, Randn(2, ScalarType.Float32, 1, 2, 8, 8), q));
        Assert.Equal("k", e.ParamName);
        Assert.Contains("16", e.Message);
        e = Assert.ThrowsAny<ArgumentException>(() => Create(kind).Attend(q, q, Randn(2, ScalarType.Float32, 1, 2, 9, 16)));
        Assert.Equal("v", e.ParamName);
        e = Assert.ThrowsAny<ArgumentException>(() => Create(kind).Attend(q, Randn(2, ScalarType.Float32, 1, 3, 8, 16), q));
        Assert.Equal("k", e.ParamName);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void IntegerDTypeNamesTheArgument(AttentionKind kind)
    {
        using var scope = NewDisposeScope();
        var q = ones(1, 2, 8, 16, ScalarType.Int32);
        var e = Assert.ThrowsAny<ArgumentException>(() => Create(kind).Attend(q, q, q));
        Assert.Equal("q", e.ParamName);
        Assert.Contains("Float32", e.Message);
    }

    [Fact]
    public void HeadDimNotDivisibleByGroupSizeIsRefused()
    {
        using var scope = NewDisposeScope();
        var module = new DistrAttentionReference(new AttentionOptions { GroupSize = 8, BlockSize = 16 }, 16);
        var q = Randn(1, ScalarType.Float32, 1, 1, 8, 12);
        var e = Assert.ThrowsAny<ArgumentException>(() => module.forward(q, q, q));
        Assert.Equal("GroupSize", e.ParamName);
    }

    [Theory]
    [InlineData(3, 16, "GroupSize")]
    [InlineData(32, 16, "GroupSize")]
    [InlineData(2, 24, "BlockSize")]
    [InlineData(2, 0, "BlockSize")]
    public void UnsupportedOptionsNameTheField(int g, int l, string field)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => AttentionFactory.Create(new AttentionOptions { GroupSize = g, BlockSize = l }, 16));
        Assert.Equal(field, e.ParamName);
    }

    [Fact]
    public void WrongProjectionShapeIsRefused()
    {
        using var scope = NewDisposeScope();
        var q = Randn(1, ScalarType.Float32, 1, 1, 8, 16);
        var e = Assert.ThrowsAny<ArgumentException>(() => DistrAttentionLsh.Permutations(q, zeros(32, 16), 16));
        Assert.Equal("r", e.ParamName);
        Assert.Contains("[16, 16]", e.Message);
    }
}
