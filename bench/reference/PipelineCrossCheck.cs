using DistrAttention.Runtime;
using ImageClassification.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace DistrAttention.Bench.Reference;

/// <summary>
/// Scores the test images through the saved ML.NET pipeline itself (<c>LoadWithVit</c> → <c>Transform</c>, without its
/// LoadImages step for in-memory images) and
/// compares its class probabilities with the bench's own forward pass. Agreement shows that the bench feeds the
/// model the same inputs as the trainer's preprocessing, so the captured Q, K, V are the deployed model's.
/// </summary>
internal static class PipelineCrossCheck
{
    /// <summary>The pipeline's accuracy, and the largest |p_pipeline − softmax(logits)| over all images and classes.</summary>
    public static (double Accuracy, double MaxProbabilityDifference) Run(string pipelineZip, TestImages test, Tensor logits)
    {
        var ml = new MLContext(seed: 1);
        var model = ml.Model.LoadWithVit(pipelineZip, out _, ComputeDevice.Cpu);
        try
        {
            var (rows, inMemory) = test.Pipeline(ml);
            var scored = (inMemory ? InMemoryImages.WithoutImageLoading(model) : model).Transform(rows);
            var metrics = ml.MulticlassClassification.Evaluate(scored, "Label", "Score");
            var scores = scored.GetColumn<float[]>("Score").SelectMany(s => s).ToArray();
            using var pipelineProbabilities = tensor(scores).reshape(logits.shape);
            using var ours = logits.softmax(-1);
            double difference = pipelineProbabilities.sub(ours).abs().max().item<float>();
            return (metrics.MicroAccuracy, difference);
        }
        finally
        {
            (model as IDisposable)?.Dispose();
        }
    }
}
