using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DistrAttention.Vit.Training;

/// <summary>
/// AdamW over one flat float32 buffer: every parameter becomes a view into <c>values</c> and its gradient a view into
/// <c>grads</c> (autograd accumulates into an existing gradient in place), so a step, the global-norm clip and zeroing
/// the gradients are a handful of whole-buffer kernels instead of about ten per parameter tensor — the per-tensor loop
/// of TorchSharp's AdamW costs ~1,500 kernel launches for ViT-Base, as much host time as the model's own step.
/// The update is PyTorch's AdamW (decoupled decay, bias correction).
/// </summary>
internal sealed class FlatAdamW : IDisposable
{
    private readonly Tensor values, grads, decay, m, v;
    private readonly TrainingStepOptions options;
    private long step;

    /// <summary>Re-seats <paramref name="parameters"/> (float32, one device) onto the flat buffers.</summary>
    public FlatAdamW(IReadOnlyList<Parameter> parameters, TrainingStepOptions options)
    {
        if (parameters.Count == 0) throw new ArgumentException("The model has no trainable parameters.", nameof(parameters));
        this.options = options;
        var device = parameters[0].device;
        foreach (var p in parameters)
            if (p.dtype != ScalarType.Float32 || p.device_type != device.type || p.device_index != device.index)
                throw new ArgumentException(
                    $"Every parameter must be float32 on {device} (the master weights); got {p.dtype} on {p.device}.", nameof(parameters));
        long total = parameters.Sum(p => p.numel());
        values = empty([total], ScalarType.Float32, device);
        grads = zeros([total], ScalarType.Float32, device);
        decay = zeros([total], ScalarType.Float32, device);
        using (no_grad())
        {
            long offset = 0;
            foreach (var p in parameters)
            {
                long n = p.numel();
                using var slot = values.narrow(0, offset, n);
                using var shaped = slot.view(p.shape);
                shaped.copy_(p);
                p.set_(shaped);
                using var gradSlot = grads.narrow(0, offset, n);
                p.grad = gradSlot.view(p.shape);
                // Decay weight matrices and embeddings only; biases and norm gains are 1-D (timm's recipe).
                if (p.dim() >= 2)
                    using (var rates = decay.narrow(0, offset, n))
                        rates.fill_(options.WeightDecay);
                offset += n;
            }
        }
        m = zeros([total], ScalarType.Float32, device);
        v = zeros([total], ScalarType.Float32, device);
    }

    /// <summary>Number of parameters (elements).</summary>
    public long Count => values.numel();

    /// <summary>The flat buffer every parameter is a view of (data parallelism broadcasts it from rank 0).</summary>
    public Tensor Values => values;

    /// <summary>The flat buffer every gradient is a view of (data parallelism averages it over the ranks).</summary>
    public Tensor Gradients => grads;

    /// <summary>Sets every gradient to zero (one kernel).</summary>
    public void ZeroGrad() => grads.zero_();

    /// <summary>True when every gradient is finite (reads one scalar: a host synchronisation).</summary>
    public bool GradientsFinite()
    {
        using var scope = NewDisposeScope();
        return grads.sum().isfinite().item<bool>();
    }

    /// <summary>
    /// Multiplies the gradients by <paramref name="gradScale"/> (e.g. 1/loss-scale), clips their global norm and applies
    /// one AdamW update with learning rate <paramref name="lr"/>. Returns the gradient norm before clipping (a device
    /// scalar: reading it synchronises, so callers read it only when they need it).
    /// </summary>
    public Tensor Step(double lr, double gradScale = 1.0)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        if (gradScale != 1.0) grads.mul_(gradScale);
        var norm = grads.norm();
        if (options.MaxGradNorm > 0)
            grads.mul_((options.MaxGradNorm / (norm + 1e-6)).clamp_max(1.0)); // no host sync: the factor stays on the device
        step++;
        double b1 = options.Beta1, b2 = options.Beta2;
        double bias1 = 1 - Math.Pow(b1, step), bias2 = 1 - Math.Pow(b2, step);
        values.addcmul_(values, decay, -lr);                    // p ← p − lr·λ·p
        m.mul_(b1).add_(grads, 1 - b1);                         // m ← β1·m + (1 − β1)·g
        v.mul_(b2).addcmul_(grads, grads, 1 - b2);              // v ← β2·v + (1 − β2)·g²
        var denominator = v.sqrt().div_(Math.Sqrt(bias2)).add_(options.Epsilon);
        values.addcdiv_(m, denominator, -lr / bias1);           // p ← p − lr·m̂/(√v̂ + ε)
        return norm.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        decay.Dispose();
        m.Dispose();
        v.Dispose();
        // values and grads back the model's parameters and gradients: they live as long as the model does.
    }
}
