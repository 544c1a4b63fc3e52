using static DistrAttention.Tests.VitModel.TensorTestData;
using static TorchSharp.torch;

namespace DistrAttention.Tests.VitModel;

public class DistrAttentionReferenceTests
{
    /// <summary>Loads libtorch before the first TorchSharp call.</summary>
    public DistrAttentionReferenceTests() => TorchRuntime.EnsureInitialized();

    [Theory]
    [InlineData(false, 100, 100)]
    [InlineData(true, 100, 100)]
    [InlineData(true, 40, 72)]
    [InlineData(false, 40, 72)]
    public void GroupSizeOneEqualsExactAttention(bool causal, int nq, int nk)
    {
        using var scope = NewDisposeScope();
        var q = Randn(1, ScalarType.Float32, 2, 3, nq, 64);
        var k = Randn(2, ScalarType.Float32, 2, 3, nk, 64);
        var v = Randn(3, ScalarType.Float32, 2, 3, nk, 48);
        var options = new AttentionOptions { GroupSize = 1, BlockSize = 32, Causal = causal };
        var distr = (IAttention)AttentionFactory.Create(options, 64);
        var exact = (IAttention)AttentionFactory.Create(options with { Kind = AttentionKind.Exact }, 64);
        Assert.IsType<DistrAttentionReference>(distr);
        Assert.IsType<ExactAttention>(exact);
        Assert.True(RelativeError(distr.Attend(q, k, v), exact.Attend(q, k, v)) < 1e-5);
    }

    [Fact]
    public void PermutationsMatchLoopReferenceIncludingShortLastBlock()
    {
        using var scope = NewDisposeScope();
        var q = Randn(11, ScalarType.Float32, 2, 2, 70, 32); // l = 32: blocks of 32, 32, 6 rows
        var r = DistrAttentionLsh.ProjectionMatrix(32, 5);
        var sigma = DistrAttentionLsh.Permutations(q, r, 32);
        Assert.Equal(new long[] { 2, 2, 3, 32 }, sigma.shape);
        Assert.Equal(ScalarType.Int64, sigma.dtype);
        var rm = Matrix(r);
        for (int b = 0; b < 2; b++)
            for (int h = 0; h < 2; h++)
            {
                var expected = LoopReference.Permutations(Slice(q, b, h), rm);
                for (int block = 0; block < 3; block++)
                    Assert.Equal(expected[block].Select(c => (long)c).ToArray(), sigma[b, h, block].data<long>().ToArray());
            }
    }

    [Fact]
    public void ProjectionMatrixIsSeededFloat32AndABuffer()
    {
        using var scope = NewDisposeScope();
        var a = DistrAttentionLsh.ProjectionMatrix(64, 7);
        Assert.Equal(new long[] { 64, 16 }, a.shape);
        Assert.Equal(ScalarType.Float32, a.dtype);
        Assert.True(Identical(a, DistrAttentionLsh.ProjectionMatrix(64, 7)));
        Assert.False(Identical(a, DistrAttentionLsh.ProjectionMatrix(64, 8)));
        var module = new DistrAttentionReference(new AttentionOptions { BlockSize = 64, Seed = 7 }, 32);
        var state = module.state_dict();
        Assert.True(state.ContainsKey("r"));
        Assert.True(Identical(state["r"], a));
    }

    [Theory]
    [InlineData(2, DistrAttentionMode.Mean, false, 70, 70, 32)]
    [InlineData(4, DistrAttentionMode.Sample, false, 70, 70, 32)]
    [InlineData(2, DistrAttentionMode.Sample, true, 50, 37, 16)]
    [InlineData(8, DistrAttentionMode.Mean, true, 37, 50, 16)]
    [InlineData(16, DistrAttentionMode.Mean, false, 20, 33, 16)]
    public void OutputAndLseMatchLoopReference(int g, DistrAttentionMode mode, bool causal, int nq, int nk, int l)
    {
        using var scope = NewDisposeScope();
        var q = Randn(21, ScalarType.Float64, 2, 2, nq, 32);
        var k = Randn(22, ScalarType.Float64, 2, 2, nk, 32);
        var v = Randn(23, ScalarType.Float64, 2, 2, nk, 24);
        var options = new AttentionOptions { GroupSize = g, BlockSize = l, Mode = mode, Causal = causal, Seed = 99 };
        var module = new DistrAttentionReference(options, 32);
        var (output, lse) = module.ForwardWithLse(q, k, v);
        Assert.Equal(new long[] { 2, 2, nq, 24 }, output.shape);
        Assert.Equal(new long[] { 2, 2, nq }, lse.shape);
        var r = Matrix(module.Projection);
        for (int b = 0; b < 2; b++)
            for (int h = 0; h < 2; h++)
            {
                var (expected, expectedLse) = LoopReference.Attend(Slice(q, b, h), Slice(k, b, h), Slice(v, b, h), r, g, mode, causal);
                var actual = Slice(output, b, h);
                var actualLse = lse[b, h].data<double>().ToArray();
                for (int i = 0; i < nq; i++)
                {
                    Assert.Equal(expectedLse[i], actualLse[i], 1e-9);
                    for (int c = 0; c < 24; c++)
                        Assert.Equal(expected[i, c], actual[i, c], 1e-9);
                }
            }
    }

    [Fact]
    public void FullyMaskedCausalRowsOutputZeroNotNaN()
    {
        using var scope = NewDisposeScope();
        var q = Randn(31, ScalarType.Float32, 1, 2, 40, 16); // Nq > Nk: rows i < 30 see no key
        var k = Randn(32, ScalarType.Float32, 1, 2, 10, 16);
        var v = Randn(33, ScalarType.Float32, 1, 2, 10, 16);
        var options = new AttentionOptions { GroupSize = 2, BlockSize = 16, Causal = true };
        foreach (var kind in new[] { AttentionKind.DistrAttention, AttentionKind.Exact })
        {
            var module = (IAttention)AttentionFactory.Create(options with { Kind = kind }, 16);
            var output = module.Attend(q, k, v);
            Assert.False(output.isnan().any().item<bool>(), kind.ToString());
            Assert.Equal(0.0, output[.., .., ..30].abs().max().item<float>());
            Assert.True(output[.., .., 30..].abs().max().item<float>() > 0);
        }
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        var q = Randn(41, ScalarType.Float64, 1, 2, 20, 8).requires_grad_();
        var k = Randn(42, ScalarType.Float64, 1, 2, 12, 8).requires_grad_();
        var v = Randn(43, ScalarType.Float64, 1, 2, 12, 4).requires_grad_();
        var weights = Randn(44, ScalarType.Float64, 1, 2, 20, 4);
        var options = new AttentionOptions { GroupSize = 2, BlockSize = 16, Causal = true };
        var module = new DistrAttentionReference(options, 8);
        FiniteDifferences.AssertMatch(module.forward, q, k, v, weights, (1, 1, 1), 1e-6, 1e-5, "seed 41");
    }

    /// <summary>The Q̃ tests' grid (G ∈ {2, 4, 16} × Mean/Sample × causal or not) and G = 1 (Mean: the mode does not apply).</summary>
    public static TheoryData<int, DistrAttentionMode, bool> LiteralGrid()
    {
        var data = QTildeAttentionTests.Grid();
        data.Add(1, DistrAttentionMode.Mean, false);
        data.Add(1, DistrAttentionMode.Mean, true);
        return data;
    }

    /// <summary>
    /// The literal per-block form, <see cref="DistrAttentionReference.Compute"/> (the oracle; the module's forward is the Q̃
    /// form, checked in <see cref="QTildeAttentionTests"/>), against fp64 central differences over G, mode and causal. Nq = 20
    /// with l = 16 gives a short last block; causal with Nk = 14 &lt; Nq gives rows that see no key.
    /// </summary>
    [Theory]
    [MemberData(nameof(LiteralGrid))]
    public void LiteralFormGradientsMatchFiniteDifferences(int g, DistrAttentionMode mode, bool causal)
    {
        using var scope = NewDisposeScope();
        const long seed = 601; // the inputs of QTildeAttentionTests' check: no projection within eps of a sign change
        var q = Randn(seed, ScalarType.Float64, 1, 2, 20, 16).requires_grad_();
        var k = Randn(seed + 1, ScalarType.Float64, 1, 2, 14, 16).requires_grad_();
        var v = Randn(seed + 2, ScalarType.Float64, 1, 2, 14, 4).requires_grad_();
        var weights = Randn(seed + 3, ScalarType.Float64, 1, 2, 20, 4);
        var options = new AttentionOptions { GroupSize = g, BlockSize = 16, Mode = mode, Causal = causal };
        var r = DistrAttentionLsh.ProjectionMatrix(16, options.Seed);
        FiniteDifferences.AssertMatch((a, b, c) => DistrAttentionReference.Compute(a, b, c, r, options).Output, q, k, v, weights,
            (1, 3, 3), 1e-7, 1e-6, $"seed {seed}, G = {g}, {mode}, causal {causal}, literal form");
    }

    [Theory]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    public void HalfPrecisionInputsMatchFloat32OnTheSameValues(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var q = Randn(51, dtype, 2, 2, 50, 32);
        var k = Randn(52, dtype, 2, 2, 50, 32);
        var v = Randn(53, dtype, 2, 2, 50, 32);
        var module = new DistrAttentionReference(new AttentionOptions { GroupSize = 4, BlockSize = 16 }, 32);
        var low = module.forward(q, k, v);
        Assert.Equal(dtype, low.dtype);
        var high = module.forward(q.to(ScalarType.Float32), k.to(ScalarType.Float32), v.to(ScalarType.Float32));
        Assert.True(RelativeError(low, high) < 1e-2);
        Assert.True(Identical(DistrAttentionLsh.Permutations(q, module.Projection, 16),
            DistrAttentionLsh.Permutations(q.to(ScalarType.Float32), module.Projection, 16)));
    }

    [Fact]
    public void MeanBeatsSampleAndApproximationDegradesWithGroupSize()
    {
        using var scope = NewDisposeScope();
        var uniform = (long seed) => Randn(seed, ScalarType.Float32, 2, 2, 128, 64).sigmoid();
        var (q, k, v) = (uniform(61), uniform(62), uniform(63));
        var exact = new ExactAttention(AttentionOptions.Exact).forward(q, k, v);
        double Error(int g, DistrAttentionMode mode) => RelativeError(
            new DistrAttentionReference(new AttentionOptions { GroupSize = g, Mode = mode, BlockSize = 64 }, 64).forward(q, k, v), exact);
        Assert.True(Error(2, DistrAttentionMode.Mean) < Error(2, DistrAttentionMode.Sample));
        Assert.True(Error(2, DistrAttentionMode.Mean) < Error(16, DistrAttentionMode.Mean));
        Assert.True(Error(2, DistrAttentionMode.Mean) > 0);
    }
}
