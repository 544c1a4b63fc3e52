using static TorchSharp.torch;

namespace DistrAttention.Vit.Weights;

/// <summary>Tensors (on the CPU) and string metadata read from a safetensors stream; disposing frees the tensors.</summary>
public sealed class SafeTensorsContent : IDisposable
{
    internal SafeTensorsContent(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>Tensors by name, in file order.</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors { get; }

    /// <summary>The <c>__metadata__</c> entries (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var tensor in Tensors.Values)
            tensor.Dispose();
    }
}
