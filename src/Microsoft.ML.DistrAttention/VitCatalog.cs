using Microsoft.ML.DistrAttention;

namespace Microsoft.ML;

/// <summary>Catalog extensions that create the ViT / DistrAttention image classification trainer.</summary>
public static class VitCatalog
{
    /// <summary>
    /// Trains a Vision Transformer image classifier (default: ViT-Tiny, 224×224 RGB, DistrAttention G = 2).
    /// The label must be a key type (<c>MapValueToKey</c>); the image column holds <c>MLImage</c> values or encoded image bytes.
    /// </summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="labelColumnName">Key-typed label column.</param>
    /// <param name="imageColumnName">Image column (MLImage or encoded bytes).</param>
    /// <param name="scoreColumnName">Output column of class probabilities.</param>
    /// <param name="predictedLabelColumnName">Output column of the predicted key.</param>
    /// <param name="epochs">Passes over the training data.</param>
    /// <param name="batchSize">Images per batch.</param>
    /// <param name="validationSet">Optional validation data, measured after each epoch.</param>
    /// <returns>The trainer.</returns>
    public static VitImageClassificationTrainer VitImageClassification(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label",
        string imageColumnName = "Image",
        string scoreColumnName = "Score",
        string predictedLabelColumnName = "PredictedLabel",
        int epochs = 10,
        int batchSize = 32,
        IDataView? validationSet = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new VitImageClassificationTrainer(new VitImageClassificationTrainer.Options
        {
            LabelColumnName = labelColumnName,
            ImageColumnName = imageColumnName,
            ScoreColumnName = scoreColumnName,
            PredictedLabelColumnName = predictedLabelColumnName,
            Epochs = epochs,
            BatchSize = batchSize,
            ValidationSet = validationSet,
        });
    }

    /// <summary>Trains a Vision Transformer image classifier with every option spelled out.</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="options">Trainer options.</param>
    /// <returns>The trainer.</returns>
    public static VitImageClassificationTrainer VitImageClassification(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        VitImageClassificationTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new VitImageClassificationTrainer(options);
    }
}
