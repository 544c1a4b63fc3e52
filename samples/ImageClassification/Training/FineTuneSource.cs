using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.DistrAttention;

namespace ImageClassification.Training;

/// <summary>Finds the ViT inside a saved pipeline so that <c>train --fine-tune</c> can start from its weights.</summary>
public static class FineTuneSource
{
    /// <summary>Loads <paramref name="path"/> (a model file written by <c>train</c>) and returns its ViT transformer.</summary>
    /// <exception cref="InvalidDataException">The file holds no ViT image classifier.</exception>
    public static VitImageClassificationTransformer Load(string path)
    {
        var (model, _) = ModelFile.Load(new MLContext(), path);
        return Find(model) ?? throw new InvalidDataException($"'{path}' holds no ViT image classifier to fine-tune from.");
    }

    /// <summary>The first <see cref="VitImageClassificationTransformer"/> in a (possibly nested) transformer chain.</summary>
    public static VitImageClassificationTransformer? Find(ITransformer model) => model switch
    {
        VitImageClassificationTransformer vit => vit,
        IEnumerable<ITransformer> chain => chain.Select(Find).FirstOrDefault(v => v is not null),
        _ => null,
    };
}
