using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DistrAttention.Vit.Model;

/// <summary>
/// The autocast of this library: while a <see cref="VisionTransformer"/> runs its forward with a reduced
/// <see cref="ComputePrecision"/>, <see cref="Linear"/> and <see cref="Conv"/> cast their input and the layer's float32
/// weights to the compute type (autograd casts the gradients back, so the weights stay float32 master weights).
/// The setting is per thread, like PyTorch's autocast state, so concurrent forwards of different models do not mix.
/// </summary>
public static class MixedPrecision
{
    [ThreadStatic] private static ScalarType? current;

    /// <summary>The compute type of the forward running on this thread, or null for "as the inputs".</summary>
    public static ScalarType? Current => current;

    /// <summary>The tensor element type of a precision (null for Float32: no casts).</summary>
    public static ScalarType? ScalarTypeOf(ComputePrecision precision) => precision switch
    {
        ComputePrecision.Float32 => null,
        ComputePrecision.BFloat16 => ScalarType.BFloat16,
        ComputePrecision.Float16 => ScalarType.Float16,
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "Expected Float32, BFloat16 or Float16."),
    };

    /// <summary>Sets the compute type of this thread until the returned scope is disposed (scopes nest).</summary>
    public static IDisposable Enter(ComputePrecision precision) => new Scope(ScalarTypeOf(precision));

    /// <summary>
    /// A linear layer in the current compute type (its own dtype when none is set or the weights are not float32), as one
    /// <c>addmm</c> on the flattened input: the bias add is fused into the matrix product's epilogue. (libtorch's C++
    /// <c>nn::functional::linear</c>, behind TorchSharp's Linear, adds the bias of a 3-D input in a separate broadcast
    /// kernel: measured with ncu on the H200, 3.6 ms of an 11.3 ms ViT-B/224 fp16 forward.)
    /// </summary>
    public static Tensor Linear(Linear layer, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(input);
        using var scope = NewDisposeScope();
        Tensor weight = layer.weight!, x = input;
        Tensor? bias = layer.bias;
        if (current is { } type && weight.dtype == ScalarType.Float32)
        {
            x = x.to(type);
            weight = weight.to(type);
            bias = bias?.to(type);
        }
        long inFeatures = weight.shape[1], outFeatures = weight.shape[0];
        if (x.shape[^1] != inFeatures)
            throw new ArgumentException($"input's last dimension must be {inFeatures}, got [{string.Join(", ", x.shape)}].", nameof(input));
        var flat = x.reshape(-1, inFeatures);
        var output = bias is null ? flat.matmul(weight.t()) : addmm(bias, flat, weight.t(), 1, 1);
        var shape = x.shape.ToArray();
        shape[^1] = outFeatures;
        return output.view(shape).MoveToOuterDisposeScope();
    }

    /// <summary>A 2-D convolution in the current compute type (patch embedding: stride = kernel, no padding).</summary>
    public static Tensor Conv(Conv2d layer, Tensor input, long stride)
    {
        if (current is not { } type || layer.weight!.dtype != ScalarType.Float32)
            return layer.forward(input);
        using var scope = NewDisposeScope();
        var output = nn.functional.conv2d(input.to(type), layer.weight.to(type), layer.bias?.to(type), strides: [stride, stride]);
        return output.MoveToOuterDisposeScope();
    }

    private sealed class Scope : IDisposable
    {
        private readonly ScalarType? previous;
        private bool disposed;

        public Scope(ScalarType? type)
        {
            previous = current;
            current = type;
        }

        public void Dispose()
        {
            if (disposed) return;
            disposed = true;
            current = previous;
        }
    }
}
