using DistrAttention.Vit.Attention;
using static TorchSharp.torch;

namespace DistrAttention.Bench.Reference;

/// <summary>
/// How far the DistrAttention reference is from exact attention on given Q, K, V: output relative error
/// ‖O − O_exact‖/‖O_exact‖ and score relative error ‖Q̂K̂ᵀ − QKᵀ‖/‖QKᵀ‖ (unscaled), both over the whole tensor.
/// </summary>
internal static class ApproximationError
{
    /// <summary>Both errors for one configuration; <paramref name="exact"/> is exact attention's output on the same inputs.</summary>
    public static (double Output, double Score) Measure(Tensor q, Tensor k, Tensor v, Tensor exact, AttentionOptions options)
    {
        using var scope = NewDisposeScope();
        using var module = new DistrAttentionReference(options, (int)q.shape[3]);
        var output = module.forward(q, k, v);
        double outputError = output.sub(exact).norm().item<float>() / exact.norm().item<float>();
        return (outputError, Score(q, k, module.Projection, options));
    }

    /// <summary>
    /// ‖Q̂K̂ᵀ − QKᵀ‖ / ‖QKᵀ‖ over all query blocks, using the reference's own permutations (steps 1-5 of docs/semantics.md).
    /// Nq need not be a multiple of l: the last block is zero-padded as in the reference, and the padded rows are
    /// dropped again (they would add zero to both norms anyway).
    /// </summary>
    public static double Score(Tensor q, Tensor k, Tensor r, AttentionOptions options)
    {
        using var scope = NewDisposeScope();
        int l = options.BlockSize, g = options.GroupSize;
        long b = q.shape[0], h = q.shape[1], n = q.shape[2], d = q.shape[3], nk = k.shape[2];
        long blocks = (n + l - 1) / l, rows = blocks * l;
        var sigma = DistrAttentionLsh.Permutations(q, r, l).unsqueeze(3);
        var grouped = nn.functional.pad(q, [0, 0, 0, rows - n]).reshape(b, h, blocks, l, d)
            .take_along_dim(sigma, -1).reshape(b, h, blocks, l, d / g, g);
        var qHat = options.Mode == DistrAttentionMode.Mean ? grouped.mean([-1]) : grouped.select(-1, 0);
        var kHat = k.unsqueeze(2).take_along_dim(sigma, -1).reshape(b, h, blocks, nk, d / g, g).sum(-1);
        var approximate = qHat.matmul(kHat.transpose(-1, -2)).reshape(b, h, rows, nk).narrow(2, 0, n);
        var exact = q.matmul(k.transpose(-1, -2));
        return approximate.sub(exact).norm().item<float>() / exact.norm().item<float>();
    }
}
