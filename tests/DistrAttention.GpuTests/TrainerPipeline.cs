using Microsoft.ML;
using Microsoft.ML.DistrAttention;

namespace DistrAttention.GpuTests;

/// <summary>
/// The pipeline the checks train on in-memory images (<see cref="LabeledImages.View"/>): MapValueToKey(Label) →
/// VitImageClassification (Image, already decoded: no LoadImages) → MapKeyToValue(PredictedLabel).
/// </summary>
internal static class TrainerPipeline
{
    public const string Label = "Label", Image = "Image", Score = "Score", PredictedLabel = "PredictedLabel";

    public static (ITransformer Model, VitImageClassificationTransformer Vit) Fit(MLContext ml, IDataView train,
        VitImageClassificationTrainer.Options options)
    {
        options.LabelColumnName = Label;
        options.ImageColumnName = Image;
        var model = ml.Transforms.Conversion.MapValueToKey(Label)
            .Append(ml.MulticlassClassification.Trainers.VitImageClassification(options))
            .Append(ml.Transforms.Conversion.MapKeyToValue(PredictedLabel))
            .Fit(train);
        return (model, model.OfType<VitImageClassificationTransformer>().Single());
    }
}
