using TorchSharp;
using static TorchSharp.torch;

namespace DistrAttention.Vit.Native;

/// <summary>
/// What the native call needs to know about one tensor: shape, strides (elements), dtype, device and the address of
/// its first element. Separate from <see cref="Tensor"/> so the checks can be unit-tested without a GPU.
/// </summary>
internal sealed record NativeTensorLayout(
    string Name, long[] Shape, long[] Strides, ScalarType DType, DeviceType DeviceType, int DeviceIndex, long Address)
{
    /// <summary>Reads the layout of <paramref name="tensor"/> (its data pointer includes the storage offset).</summary>
    public static NativeTensorLayout Of(Tensor tensor, string name) =>
        new(name, tensor.shape, tensor.stride(), tensor.dtype, tensor.device_type, tensor.device_index,
            NativeMethods.THSTensor_data(tensor.Handle).ToInt64());

    /// <summary>The shape as text, e.g. <c>[2, 3, 197, 64]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    /// <summary>True when the tensor is dense row-major.</summary>
    public bool IsContiguous
    {
        get
        {
            long expected = 1;
            for (int i = Shape.Length - 1; i >= 0; i--)
            {
                if (Shape[i] != 1 && Strides[i] != expected) return false;
                expected *= Shape[i];
            }
            return true;
        }
    }
}
