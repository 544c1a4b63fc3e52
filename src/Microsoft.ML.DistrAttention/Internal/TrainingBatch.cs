using static TorchSharp.torch;

namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>
/// One ready training batch on the device: model input [B, C, S, S] and class indices [B] (int64). Made on the
/// prefetch thread outside any dispose scope; the consumer disposes it, once.
/// </summary>
internal sealed class TrainingBatch(Tensor images, Tensor labels) : IDisposable
{
    public Tensor Images { get; } = images;
    public Tensor Labels { get; } = labels;
    public int Count => (int)Labels.shape[0];

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
