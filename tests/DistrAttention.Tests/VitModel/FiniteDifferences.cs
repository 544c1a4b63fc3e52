using Xunit;
using static TorchSharp.torch;

namespace DistrAttention.Tests.VitModel;

/// <summary>Autograd gradients of an attention against central finite differences in fp64 (one shared check).</summary>
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
        attention(q, k, v).mul(weights).sum().backward();
        foreach (var (input, name, stride) in new[] { (q, "q", strides.Q), (k, "k", strides.K), (v, "v", strides.V) })
        {
            var analytic = input.grad!.flatten().data<double>().ToArray();
            using var noGrad = no_grad();
            var flat = input.detach().clone();
            var values = flat.view(-1);
            const double eps = 1e-6;
            for (int index = 0; index < values.shape[0]; index += stride)
            {
                double original = values[index].item<double>();
                values[index].fill_(original + eps);
                double plus = Loss(name, flat);
                values[index].fill_(original - eps);
                double minus = Loss(name, flat);
                values[index].fill_(original);
                double numeric = (plus - minus) / (2 * eps);
                Assert.True(Math.Abs(numeric - analytic[index]) < absolute + relative * Math.Abs(numeric),
                    $"{context}: d/d{name}[{index}] autograd {analytic[index]}, finite difference {numeric}");
            }
        }

        double Loss(string name, Tensor replaced) =>
            attention(name == "q" ? replaced : q.detach(), name == "k" ? replaced : k.detach(), name == "v" ? replaced : v.detach())
                .mul(weights).sum().item<double>();
    }
}
