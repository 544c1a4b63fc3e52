using DistrAttention.Vit.Model;
using TorchSharp;

namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>Copies weights between models without sharing storage, so the source stays untouched.</summary>
internal static class ModelWeights
{
    /// <summary>Copies every tensor of <paramref name="source"/> whose name and shape match one of <paramref name="target"/>.</summary>
    public static void Copy(VisionTransformer source, VisionTransformer target)
    {
        using (torch.no_grad())
        using (torch.NewDisposeScope())
        {
            var destination = target.state_dict();
            foreach (var (name, value) in source.state_dict())
            {
                if (destination.TryGetValue(name, out var to) && to.shape.SequenceEqual(value.shape))
                    to.copy_(value.to(to.device));
            }
        }
    }
}
