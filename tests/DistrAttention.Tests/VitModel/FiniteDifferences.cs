using DistrAttention.Tests.Shared;
using static TorchSharp.torch;

namespace DistrAttention.Tests.VitModel;

/// <summary>Autograd gradients of an attention against central finite differences in fp64, as an xunit assertion (<see cref="FiniteDifferenceCheck"/>).</summary>
internal static class FiniteDifferences
{
    /// <summary>
    /// Backpropagates Σ weights·attention(q, k, v), then checks every <paramref name="strides"/>-th element of the
    /// gradient of q, k and v: |numeric − autograd| &lt; <paramref name="absolute"/> + <paramref name="relative"/>·|numeric|.
    /// </summary>
    /// <param name="attention">The function under test, (q, k, v) → output.</param>
    /// <param name="q">fp64 queries that require grad (their gradient is overwritten).</param>
    /// <param name="k">fp64 keys that require grad.</param>
    /// <param name="v">fp64 values that require grad.</param>
    /// <param name="weights">Fixed weights of the scalar loss, shaped like the output.</param>
    /// <param name="strides">Elements checked: every n-th of q, k and v.</param>
    /// <param name="absolute">Absolute part of the tolerance.</param>
    /// <param name="relative">Relative part of the tolerance.</param>
    /// <param name="context">Prefix of a failure message (seed, configuration).</param>
    public static void AssertMatch(Func<Tensor, Tensor, Tensor, Tensor> attention, Tensor q, Tensor k, Tensor v, Tensor weights,
        (int Q, int K, int V) strides, double absolute, double relative, string context)
    {
        var (failure, _) = FiniteDifferenceCheck.Run(attention, q, k, v, weights, strides, absolute, relative);
        Assert.True(failure is null, $"{context}: {failure}");
    }
}
