using ImageClassification.Data;
using ImageClassification.Reports;
using Microsoft.ML;

namespace ImageClassification.Training;

/// <summary>Scores a labelled image set with a fitted pipeline and summarises the quality.</summary>
public static class Evaluator
{
    /// <summary>Evaluates <paramref name="model"/> on <paramref name="data"/>.</summary>
    public static EvaluationReport Evaluate(MLContext ml, ITransformer model, IReadOnlyList<string> classes, LabeledImageSet data)
    {
        var scored = SamplePipeline.Transform(model, ml, data);
        // ML.NET's evaluator reads Label (key) and Score; PredictedLabel has been mapped back to text by then.
        var metrics = ml.MulticlassClassification.Evaluate(scored, SamplePipeline.Label, SamplePipeline.Score);
        return EvaluationReport.From(metrics, classes);
    }
}
