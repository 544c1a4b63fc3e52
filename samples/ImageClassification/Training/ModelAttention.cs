using DistrAttention.Vit.Attention;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.DistrAttention;

namespace ImageClassification.Training;

/// <summary>The attention of a fitted pipeline's ViT: how to name it, and the same pipeline with another attention (no training).</summary>
public static class ModelAttention
{
    /// <summary>"exact attention" or "DistrAttention G=2 l=64 Mean".</summary>
    public static string Describe(AttentionOptions a) =>
        a.Kind == AttentionKind.Exact ? "exact attention" : $"DistrAttention G={a.GroupSize} l={a.BlockSize} {a.Mode}";

    /// <summary>The ViT step of <paramref name="model"/>.</summary>
    /// <exception cref="InvalidDataException">The pipeline has no ViT step.</exception>
    public static VitImageClassificationTransformer Vit(ITransformer model) =>
        Steps(model).OfType<VitImageClassificationTransformer>().FirstOrDefault()
        ?? throw new InvalidDataException("The model has no ViT step (VitImageClassificationTransformer).");

    /// <summary>
    /// A new chain with the steps of <paramref name="model"/>, its ViT replaced by one with the same weights and
    /// <paramref name="options"/> as attention (<see cref="VitImageClassificationTransformer.WithAttention"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The attention does not fit the model (e.g. a group size that does not divide the head dimension).</exception>
    public static ITransformer With(ITransformer model, AttentionOptions options)
    {
        var vit = Vit(model);
        var swapped = vit.WithAttention(options);
        return new TransformerChain<ITransformer>(Steps(model).Select(t => ReferenceEquals(t, vit) ? swapped : t).ToArray());
    }

    private static IEnumerable<ITransformer> Steps(ITransformer model) =>
        model is IEnumerable<ITransformer> chain ? chain.SelectMany(Steps) : [model];
}
