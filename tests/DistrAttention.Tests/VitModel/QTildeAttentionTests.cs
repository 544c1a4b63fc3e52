using static DistrAttention.Tests.VitModel.TensorTestData;
using static TorchSharp.torch;

namespace DistrAttention.Tests.VitModel;

/// <summary>
/// The training/serving form of DistrAttention, Q̃ plus fused exact attention (docs/semantics.md, Q-tilde), against the
/// independent loop oracle (<see cref="LoopReference"/>) and against fp64 finite differences.
/// </summary>
public class QTildeAttentionTests
{
    public QTildeAttentionTests() => TorchRuntime.EnsureInitialized();

    public static TheoryData<int, DistrAttentionMode, bool> Grid()
    {
        var data = new TheoryData<int, DistrAttentionMode, bool>();
        foreach (int g in new[] { 2, 4, 16 })
            foreach (var mode in new[] { DistrAttentionMode.Mean, DistrAttentionMode.Sample })
                foreach (bool causal in new[] { false, true })
                    data.Add(g, mode, causal);
        return data;
    }

    [Theory]
    [MemberData(nameof(Grid))]
    public void OutputMatchesLoopOracleWithShortLastBlock(int g, DistrAttentionMode mode, bool causal)
    {
        using var scope = NewDisposeScope();
        const long seed = 501;
        int nq = 37, nk = causal ? 45 : 29; // l = 16: blocks of 16, 16 and 5 rows
        var q = Randn(seed, ScalarType.Float64, 2, 2, nq, 32);
        var k = Randn(seed + 1, ScalarType.Float64, 2, 2, nk, 32);
        var v = Randn(seed + 2, ScalarType.Float64, 2, 2, nk, 24);
        var options = new AttentionOptions { GroupSize = g, BlockSize = 16, Mode = mode, Causal = causal, Seed = 7 };
        var r = DistrAttentionLsh.ProjectionMatrix(16, 7);
        var output = QTildeAttention.Attend(q, k, v, r, options);
        var rm = Matrix(r);
        double worst = 0;
        for (int b = 0; b < 2; b++)
            for (int h = 0; h < 2; h++)
            {
                var (expected, _) = LoopReference.Attend(Slice(q, b, h), Slice(k, b, h), Slice(v, b, h), rm, g, mode, causal);
                var actual = Slice(output, b, h);
                for (int i = 0; i < nq; i++)
                    for (int c = 0; c < 24; c++)
                        worst = Math.Max(worst, Math.Abs(expected[i, c] - actual[i, c]));
            }
        // fp64 throughout: only summation order differs from the loops.
        Assert.True(worst < 1e-12, $"seed {seed}: worst element error {worst:E2}");
    }

    [Theory]
    [MemberData(nameof(Grid))]
    public void GradientsMatchFiniteDifferences(int g, DistrAttentionMode mode, bool causal)
    {
        using var scope = NewDisposeScope();
        const long seed = 601;
        var q = Randn(seed, ScalarType.Float64, 1, 2, 20, 16).requires_grad_();
        var k = Randn(seed + 1, ScalarType.Float64, 1, 2, 14, 16).requires_grad_();
        var v = Randn(seed + 2, ScalarType.Float64, 1, 2, 14, 4).requires_grad_();
        var weights = Randn(seed + 3, ScalarType.Float64, 1, 2, 20, 4);
        var options = new AttentionOptions { GroupSize = g, BlockSize = 16, Mode = mode, Causal = causal };
        var module = new DistrAttentionReference(options, 16);
        // Central differences in fp64: truncation O(eps²) and cancellation ~1e-16/eps; σ does not move because no
        // projection of these inputs lies within eps of a sign change.
        FiniteDifferences.AssertMatch(module.forward, q, k, v, weights, (1, 3, 3), 1e-7, 1e-6,
            $"seed {seed}, G = {g}, {mode}, causal {causal}");
    }

    [Fact]
    public void SampleAdjointSendsTheGroupSumToTheRepresentative()
    {
        using var scope = NewDisposeScope();
        var q = Randn(701, ScalarType.Float64, 1, 1, 16, 16).requires_grad_();
        var r = DistrAttentionLsh.ProjectionMatrix(16, 3);
        var options = new AttentionOptions { GroupSize = 4, BlockSize = 16, Mode = DistrAttentionMode.Sample };
        var upstream = Randn(702, ScalarType.Float64, 1, 1, 16, 16);
        QTilde.Build(q, r, options).mul(upstream).sum().backward();
        var sigma = DistrAttentionLsh.Permutations(q, r, 16)[0, 0, 0].data<long>().ToArray();
        var grad = q.grad!;
        for (int t = 0; t < 4; t++)
        {
            var group = sigma.Skip(4 * t).Take(4).ToArray();
            var expected = upstream[0, 0, .., group[0]] + upstream[0, 0, .., group[1]] + upstream[0, 0, .., group[2]] + upstream[0, 0, .., group[3]];
            Assert.True(RelativeError(grad[0, 0, .., group[0]], expected) < 1e-14, $"group {t}: representative column {group[0]}");
            for (int u = 1; u < 4; u++)
                Assert.Equal(0.0, grad[0, 0, .., group[u]].abs().max().item<double>());
        }
    }

    [Fact]
    public void MeanQTildeHoldsEachGroupsMeanInEveryColumnOfTheGroup()
    {
        using var scope = NewDisposeScope();
        var q = Randn(801, ScalarType.Float32, 1, 2, 40, 32); // l = 32: a full and a short block
        var r = DistrAttentionLsh.ProjectionMatrix(32, 4);
        var options = new AttentionOptions { GroupSize = 8, BlockSize = 32 };
        var qTilde = QTilde.Build(q, r, options);
        var sigma = DistrAttentionLsh.Permutations(q, r, 32);
        for (int h = 0; h < 2; h++)
            for (int block = 0; block < 2; block++)
            {
                var order = sigma[0, h, block].data<long>().ToArray();
                long r0 = block * 32, rows = Math.Min(32, 40 - r0);
                for (int t = 0; t < 4; t++)
                {
                    var columns = tensor(order.Skip(8 * t).Take(8).ToArray());
                    var mean = q[0, h].narrow(0, r0, rows).index_select(1, columns).mean([1], keepdim: true);
                    var actual = qTilde[0, h].narrow(0, r0, rows).index_select(1, columns);
                    Assert.True(actual.sub(mean).abs().max().item<float>() < 1e-6, $"head {h}, block {block}, group {t}");
                }
            }
    }
}
