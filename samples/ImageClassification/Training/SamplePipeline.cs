using ImageClassification.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.DistrAttention;
using Microsoft.ML.Transforms;

namespace ImageClassification.Training;

/// <summary>
/// The sample's ML.NET pipeline: MapValueToKey(Label) → LoadImages(ImagePath → Image) → VitImageClassification
/// (resizes inside) → MapKeyToValue(PredictedLabel). The saved model always has this shape, so it scores image files;
/// a data set whose rows already hold the images (<see cref="LabeledImageSet.HoldsImages"/>, read from IDX files)
/// trains and is scored without the LoadImages step.
/// </summary>
public static class SamplePipeline
{
    /// <summary>Column names of the pipeline.</summary>
    public const string Label = "Label", ImagePath = "ImagePath", Image = "Image", Score = "Score", PredictedLabel = "PredictedLabel";

    /// <summary>Rows → an ML.NET data view with the <see cref="ImageRow"/> schema.</summary>
    public static IDataView ToDataView(MLContext ml, IEnumerable<ImageRow> rows) => ml.Data.LoadFromEnumerable(rows);

    /// <summary>Predicted keys back to class names, in place.</summary>
    public static IEstimator<ITransformer> Postprocessing(MLContext ml) =>
        ml.Transforms.Conversion.MapKeyToValue(PredictedLabel);

    /// <summary>Fits the whole pipeline; the returned chain is what gets saved and loaded.</summary>
    /// <param name="ml">The ML.NET context.</param>
    /// <param name="train">Training images.</param>
    /// <param name="validation">Per-epoch validation images (keyed with the training set's label mapping), or null.</param>
    /// <param name="options">Trainer options; <see cref="VitImageClassificationTrainer.Options.ValidationSet"/> is set here.</param>
    public static (ITransformer Model, VitImageClassificationTransformer Vit) Fit(
        MLContext ml, LabeledImageSet train, LabeledImageSet? validation, VitImageClassificationTrainer.Options options)
    {
        var trainView = train.ToDataView(ml);
        // Label keys sorted by class name, so the order does not depend on the row order.
        var keys = ml.Transforms.Conversion.MapValueToKey(Label, keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue).Fit(trainView);
        var loadImages = ml.Transforms.LoadImages(Image, imageFolder: null, inputColumnName: ImagePath).Fit(ToDataView(ml, []));
        IDataView Prepare(LabeledImageSet set, IDataView view) =>
            set.HoldsImages ? keys.Transform(view) : loadImages.Transform(keys.Transform(view));

        var trainPrepared = Prepare(train, trainView);
        options.ValidationSet = validation is null ? null : Prepare(validation, validation.ToDataView(ml));
        var vit = ml.MulticlassClassification.Trainers.VitImageClassification(options).Fit(trainPrepared);
        var post = Postprocessing(ml).Fit(vit.Transform(trainPrepared)); // reads the schema only
        ITransformer model = new TransformerChain<ITransformer>(keys, loadImages, vit, post);
        return (model, vit);
    }

    /// <summary><paramref name="model"/>'s output on <paramref name="data"/>: image files through the whole chain, in-memory images without its LoadImages step.</summary>
    public static IDataView Transform(ITransformer model, MLContext ml, LabeledImageSet data) =>
        (data.HoldsImages ? InMemoryImages.WithoutImageLoading(model) : model).Transform(data.ToDataView(ml));

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
