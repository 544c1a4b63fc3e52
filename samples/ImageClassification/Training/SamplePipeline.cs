using ImageClassification.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.DistrAttention;
using Microsoft.ML.Transforms;

namespace ImageClassification.Training;

/// <summary>
/// The sample's ML.NET pipeline, in three parts so that the validation set can be keyed with the same label mapping:
/// MapValueToKey(Label) → LoadImages(ImagePath → Image) → VitImageClassification (resizes inside) → MapKeyToValue(PredictedLabel).
/// </summary>
public static class SamplePipeline
{
    /// <summary>Column names of the pipeline.</summary>
    public const string Label = "Label", ImagePath = "ImagePath", Image = "Image", Score = "Score", PredictedLabel = "PredictedLabel";

    /// <summary>Rows → an ML.NET data view with the <see cref="ImageRow"/> schema.</summary>
    public static IDataView ToDataView(MLContext ml, IEnumerable<ImageRow> rows) => ml.Data.LoadFromEnumerable(rows);

    /// <summary>Label keys (classes sorted by name, so the order does not depend on file order) and image loading.</summary>
    public static IEstimator<ITransformer> Preprocessing(MLContext ml) =>
        ml.Transforms.Conversion.MapValueToKey(Label, keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(ml.Transforms.LoadImages(Image, imageFolder: null, inputColumnName: ImagePath));

    /// <summary>Predicted keys back to class names, in place.</summary>
    public static IEstimator<ITransformer> Postprocessing(MLContext ml) =>
        ml.Transforms.Conversion.MapKeyToValue(PredictedLabel);

    /// <summary>Fits the whole pipeline; the returned chain is what gets saved and loaded.</summary>
    public static (ITransformer Model, VitImageClassificationTransformer Vit) Fit(
        MLContext ml, IDataView train, IDataView? validation, VitImageClassificationTrainer.Options options)
    {
        var prep = Preprocessing(ml).Fit(train);
        var trainPrepared = prep.Transform(train);
        options.ValidationSet = validation is null ? null : prep.Transform(validation);
        var vit = ml.MulticlassClassification.Trainers.VitImageClassification(options).Fit(trainPrepared);
        var post = Postprocessing(ml).Fit(vit.Transform(trainPrepared)); // reads the schema only
        ITransformer model = prep.Append(vit).Append(post);
        return (model, vit);
    }

    /// <summary>Class names in key order (the order of the Score vector), read from the model's label mapping.</summary>
    public static IReadOnlyList<string> ClassNames(ITransformer model, DataViewSchema inputSchema)
    {
        var schema = model.GetOutputSchema(inputSchema);
        var column = schema.GetColumnOrNull(Label)
            ?? throw new InvalidDataException($"The model has no '{Label}' column; it was not written by this sample.");
        VBuffer<ReadOnlyMemory<char>> names = default;
        column.GetKeyValues(ref names);
        return names.DenseValues().Select(n => n.ToString()).ToList();
    }
}
