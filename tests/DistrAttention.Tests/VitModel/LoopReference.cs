namespace DistrAttention.Tests.VitModel;

/// <summary>docs/semantics.md written as plain loops over double arrays, one (batch, head) slice at a time.</summary>
internal static class LoopReference
{
    /// <summary>σ_b for every block of one slice q[n, d] with R[l, 16].</summary>
    public static int[][] Permutations(double[,] q, float[,] r)
    {
        int n = q.GetLength(0), d = q.GetLength(1), l = r.GetLength(0), p = r.GetLength(1);
        int blocks = (n + l - 1) / l;
        var result = new int[blocks][];
        for (int b = 0; b < blocks; b++)
        {
            var keys = new long[d];
            for (int c = 0; c < d; c++)
            {
                long bits = 0;
                for (int j = 0; j < p; j++)
                {
                    double sum = 0;
                    for (int i = 0; i < l && b * l + i < n; i++) // missing rows of a short block count as zero
                        sum += (float)q[b * l + i, c] * (double)r[i, j]; // the hash sees fp32 values
                    if (sum > 0) bits |= 1L << j;
                }
                long x = bits;
                x ^= x >> 1; x ^= x >> 2; x ^= x >> 4; x ^= x >> 8;
                keys[c] = x;
            }
            result[b] = Enumerable.Range(0, d).OrderBy(c => keys[c]).ThenBy(c => c).ToArray();
        }
        return result;
    }

    /// <summary>Output [nq, dv] and row log-sum-exp of one slice.</summary>
    public static (double[,] Output, double[] Lse) Attend(double[,] q, double[,] k, double[,] v, float[,] r,
        int g, DistrAttentionMode mode, bool causal)
    {
        int nq = q.GetLength(0), d = q.GetLength(1), nk = k.GetLength(0), dv = v.GetLength(1), l = r.GetLength(0);
        var sigma = Permutations(q, r);
        var output = new double[nq, dv];
        var lse = new double[nq];
        double scale = 1 / Math.Sqrt(d);
        for (int i = 0; i < nq; i++)
        {
            var perm = sigma[i / l];
            var scores = new double[nk];
            double max = double.NegativeInfinity;
            for (int j = 0; j < nk; j++)
            {
                if (causal && j > i + nk - nq) { scores[j] = double.NegativeInfinity; continue; }
                double s = 0;
                for (int t = 0; t < d / g; t++)
                {
                    double qHat = 0, kHat = 0;
                    for (int u = 0; u < g; u++)
                    {
                        int c = perm[t * g + u];
                        kHat += k[j, c];
                        if (mode == DistrAttentionMode.Mean) qHat += q[i, c] / g;
                    }
                    if (mode == DistrAttentionMode.Sample) qHat = q[i, perm[t * g]];
                    s += qHat * kHat;
                }
                scores[j] = s * scale;
                max = Math.Max(max, scores[j]);
            }
            if (double.IsNegativeInfinity(max)) { lse[i] = double.NegativeInfinity; continue; } // output stays 0
            double total = scores.Sum(s => Math.Exp(s - max));
            lse[i] = max + Math.Log(total);
            for (int j = 0; j < nk; j++)
            {
                double pij = Math.Exp(scores[j] - max) / total;
                for (int c = 0; c < dv; c++) output[i, c] += pij * v[j, c];
            }
        }
        return (output, lse);
    }
}
