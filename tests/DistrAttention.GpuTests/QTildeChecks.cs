using DistrAttention.Tests.Shared;
using DistrAttention.Vit.Attention;
using DistrAttention.Vit.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace DistrAttention.GpuTests;

/// <summary>
/// The DistrAttention training path on CUDA (docs/semantics.md, Q-tilde): the native Q̃ pre-pass (<c>da_qtilde</c>) against Q̃ built
/// in TorchSharp ops from the same σ on the CPU, σ against the TorchSharp hash, and the gradients of Q̃ + exact attention
/// and of the literal per-block form (<see cref="DistrAttentionReference.Compute"/>, the oracle) against fp64 finite
/// differences on CUDA.
/// </summary>
internal static class QTildeChecks
{
    public static void Run(Harness h)
    {
        foreach (var dtype in new[] { ScalarType.Float16, ScalarType.BFloat16 })
            foreach (int d in new[] { 32, 64 })
                foreach (int g in new[] { 2, 4, 16 })
                    foreach (var mode in new[] { DistrAttentionMode.Mean, DistrAttentionMode.Sample })
                        NativeQTilde(h, dtype, d, g, d == 64 ? 64 : 128, mode, n: 197);
        NativeQTilde(h, ScalarType.BFloat16, 64, 2, 64, DistrAttentionMode.Mean, n: 577);
        NativeQTilde(h, ScalarType.Float16, 64, 8, 128, DistrAttentionMode.Mean, n: 1000);

        foreach (bool literal in new[] { false, true })
        {
            foreach (bool causal in new[] { false, true })
                FiniteDifferences(h, 1, DistrAttentionMode.Mean, causal, literal); // G = 1: exact attention (no mode)
            foreach (int g in new[] { 2, 4, 16 })
                foreach (var mode in new[] { DistrAttentionMode.Mean, DistrAttentionMode.Sample })
                    foreach (bool causal in new[] { false, true })
                        FiniteDifferences(h, g, mode, causal, literal);
        }
    }

    private static void NativeQTilde(Harness h, ScalarType dtype, int d, int g, int l, DistrAttentionMode mode, int n)
    {
        h.Check($"native Q~ {dtype} d={d} G={g} l={l} {mode} N={n}: vs TorchSharp Q~ on the CPU", () =>
        {
            using var scope = NewDisposeScope();
            var options = new AttentionOptions { GroupSize = g, BlockSize = l, Mode = mode, Seed = 17 * d + g };
            var r = DistrAttentionLsh.ProjectionMatrix(l, options.Seed);
            ulong seed = KernelChecks.CaseSeed("qtilde", dtype, d, g, l, mode, n);
            var q = TensorMath.Seeded(seed, CUDA, dtype, 4, 6, n, d);
            long blocks = (n + l - 1) / l;
            var sigma = full([4, 6, blocks, d], -1, ScalarType.Int32, CUDA); // poisoned: every entry must be written
            var output = NativeKernels.QTilde(q, r, options, sigma);
            // Same σ, Q̃ in fp32 on the CPU: the native Q̃ must be it up to one rounding to dtype.
            var qCpu = q.to(ScalarType.Float32).cpu();
            var w = QTilde.ExpansionMatrix(sigma.cpu(), g, mode, ScalarType.Float32);
            var expected = QTilde.ApplyBlockwise(qCpu, w, l);
            var actual = output.to(ScalarType.Float32).cpu();
            double error = TensorMath.RelativeError(actual, expected);
            // Worst row: the largest error of any row relative to that row's norm.
            double worstRow = actual.sub(expected).norm(-1).div(expected.norm(-1).clamp_min(1e-30)).max().item<float>();
            // σ against the TorchSharp hash of the same values (fp32 projections): near-ties may differ in rare blocks.
            var torchSigma = DistrAttentionLsh.Permutations(qCpu, r, l).to(ScalarType.Int32);
            long differing = sigma.cpu().ne(torchSigma).any(-1).sum().item<long>();
            double unit = dtype == ScalarType.BFloat16 ? 1.0 / 256 : 1.0 / 2048; // one rounding to dtype
            string detail = $"seed {seed}: rel err {error:E2}, worst row {worstRow:E2} (≤ {unit:E1}), σ differs from the TorchSharp hash in {differing}/{4 * 6 * blocks} blocks";
            return error <= unit / 2 && worstRow <= unit && differing * 100 <= 4 * 6 * blocks ? "ok: " + detail : detail;
        });
    }

    // literal: check DistrAttentionReference.Compute (the literal per-block form) instead of QTildeAttention.Attend
    // (Q̃ + exact attention, the training path).
    private static void FiniteDifferences(Harness h, int g, DistrAttentionMode mode, bool causal, bool literal)
    {
        string form = literal ? "literal reference (DistrAttentionReference.Compute)" : "Q~ + exact attention";
        h.Check($"{form} gradients on CUDA fp64 vs finite differences: G={g} {mode}{(causal ? " causal" : "")}", () =>
        {
            using var scope = NewDisposeScope();
            const int seed = 4242;
            manual_seed(seed);
            var q = randn([1, 2, 20, 16], ScalarType.Float64).cuda().requires_grad_();
            var k = randn([1, 2, 14, 16], ScalarType.Float64).cuda().requires_grad_();
            var v = randn([1, 2, 14, 4], ScalarType.Float64).cuda().requires_grad_();
            var weights = randn([1, 2, 20, 4], ScalarType.Float64).cuda();
            var options = new AttentionOptions { GroupSize = g, BlockSize = 16, Mode = mode, Causal = causal };
            var r = DistrAttentionLsh.ProjectionMatrix(16, options.Seed).cuda();
            // |numeric − autograd| < 1e-7 + 1e-6·|numeric|, every 2nd element of q and every 5th of k and v.
            var (failure, worst) = FiniteDifferenceCheck.Run(Attend, q, k, v, weights, (2, 5, 5), 1e-7, 1e-6);
            return failure is null ? $"ok: seed {seed}, worst error over its bound {worst:E1}" : $"seed {seed}: {failure}";

            Tensor Attend(Tensor qi, Tensor ki, Tensor vi) =>
                literal ? DistrAttentionReference.Compute(qi, ki, vi, r, options).Output : QTildeAttention.Attend(qi, ki, vi, r, options);
        });
    }
}
