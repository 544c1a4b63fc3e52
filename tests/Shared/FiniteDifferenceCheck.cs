using static TorchSharp.torch;

namespace DistrAttention.Tests.Shared;

/// <summary>
/// Autograd gradients of an attention against central finite differences in fp64, on any device: the one loop behind
/// the CPU tests (xunit) and the CUDA checks of the GPU suite, compiled into both test projects.
/// </summary>
internal static class FiniteDifferenceCheck
{
    /// <summary>
    /// Backpropagates Σ weights·attention(q, k, v), then compares every <paramref name="strides"/>-th element of the
    /// gradient of q, k and v with its central difference: it passes while
    /// |numeric − autograd| &lt; <paramref name="absolute"/> + <paramref name="relative"/>·|numeric|.
    /// </summary>
    /// <returns>The first failure as a message (null when all pass) and the worst |numeric − autograd| over its bound.</returns>
    public static (string? Failure, double WorstOverBound) Run(Func<Tensor, Tensor, Tensor, Tensor> attention,
        Tensor q, Tensor k, Tensor v, Tensor weights, (int Q, int K, int V) strides, double absolute, double relative)
    {
        attention(q, k, v).mul(weights).sum().backward();
        double worst = 0;
        foreach (var (input, name, stride) in new[] { (q, "q", strides.Q), (k, "k", strides.K), (v, "v", strides.V) })
        {
            var analytic = input.grad!.flatten().cpu().data<double>().ToArray();
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
                double bound = absolute + relative * Math.Abs(numeric);
                double difference = Math.Abs(numeric - analytic[index]);
                worst = Math.Max(worst, difference / bound);
                if (!(difference < bound))
                    return ($"d/d{name}[{index}] autograd {analytic[index]}, finite difference {numeric}", worst);
            }
        }
        return (null, worst);

        double Loss(string name, Tensor replaced) =>
            attention(name == "q" ? replaced : q.detach(), name == "k" ? replaced : k.detach(), name == "v" ? replaced : v.detach())
                .mul(weights).sum().item<double>();
    }
}
