using System.Globalization;
using DistrAttention.Vit.Attention;
using ImageClassification.Training;

namespace ImageClassification.Scaffolding;

/// <summary>
/// Writes the body of the <c>VitImageClassificationTrainer.Options</c> initialiser that the generated
/// <c>BuildPipeline</c> holds: the same model, attention and schedule as <c>vit-sample train</c> with these settings.
/// </summary>
public static class TrainerOptionsCode
{
    private const string Indent = "                ";

    /// <summary>One assignment per line, each ending with a comma, indented for the template.</summary>
    public static string Write(TrainSettings s)
    {
        var lines = new List<string>();
        if (s.Preset == ModelPreset.Sample)
        {
            // The sample's small ViT has no library preset: spell out the architecture.
            var c = ModelConfigFactory.Create(s, numClasses: 2); // the trainer sets the class count from the labels
            lines.Add("Config = new VitConfig");
            lines.Add("{");
            lines.Add($"    ImageSize = {c.ImageSize}, PatchSize = {c.PatchSize}, Channels = {c.Channels},");
            lines.Add($"    EmbedDim = {c.EmbedDim}, Depth = {c.Depth}, NumHeads = {c.NumHeads}, MlpRatio = {Number(c.MlpRatio)},");
            lines.Add($"    Attention = {Attention(c.Attention)},");
            lines.Add("},");
        }
        else
        {
            lines.Add($"Preset = VitPreset.{s.Preset},");
            lines.Add($"ImageSize = {s.ImageSize}, PatchSize = {s.PatchSize}, Channels = {s.Channels},");
            lines.Add($"Attention = {Attention(ModelConfigFactory.Attention(s))},");
        }
        lines.Add($"Epochs = {s.Epochs}, BatchSize = {s.BatchSize}, LearningRate = {Number(s.LearningRate)},");
        lines.Add("RandomCrop = false, HorizontalFlip = false, // augmentation: worth turning on for photos");
        lines.Add($"Device = ComputeDevice.{s.Device},");
        if (s.Precision is { } precision)
            lines.Add($"Precision = ComputePrecision.{precision},");
        lines.Add($"Seed = {s.Seed},");
        return string.Join(Environment.NewLine, lines.Select(l => Indent + l));
    }

    private static string Attention(AttentionOptions a) => a.Kind == AttentionKind.Exact
        ? "AttentionOptions.Exact"
        : $"new AttentionOptions {{ Kind = AttentionKind.DistrAttention, GroupSize = {a.GroupSize}, BlockSize = {a.BlockSize}, Mode = DistrAttentionMode.{a.Mode} }}";

    // A C# double literal that reads back as the same value.
    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
