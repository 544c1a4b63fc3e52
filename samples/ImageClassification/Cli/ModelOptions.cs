using System.CommandLine;
using DistrAttention.Vit.Attention;
using DistrAttention.Vit.Model;
using DistrAttention.Runtime;
using ImageClassification.Training;

namespace ImageClassification.Cli;

/// <summary>
/// The options <c>train</c> and <c>init</c> share: model size and input, attention, and the training schedule.
/// Their defaults are <see cref="TrainSettings"/>'s; <see cref="Apply"/> reads them into a settings record.
/// </summary>
public sealed class ModelOptions
{
    private static readonly TrainSettings Defaults = new() { TrainFolder = "", OutputFolder = "" };

    private readonly Option<ModelPreset> preset = new("--preset") { Description = "Model size.", DefaultValueFactory = _ => Defaults.Preset };
    private readonly Option<int> imageSize = new("--image-size") { Description = "Model input side in pixels.", DefaultValueFactory = _ => Defaults.ImageSize };
    private readonly Option<int> patchSize = new("--patch-size") { Description = "Patch side in pixels.", DefaultValueFactory = _ => Defaults.PatchSize };
    private readonly Option<int> channels = new("--channels") { Description = "1 (grey) or 3 (RGB).", DefaultValueFactory = _ => Defaults.Channels };
    private readonly Option<string> attention = new("--attention") { Description = "exact or distr (DistrAttention).", DefaultValueFactory = _ => "distr" };
    private readonly Option<int> groupSize = new("--group-size", "-G") { Description = "DistrAttention group size G (1, 2, 4, 8, 16).", DefaultValueFactory = _ => Defaults.GroupSize };
    private readonly Option<int> blockSize = new("--block-size", "-l") { Description = "DistrAttention LSH block size l (multiple of 16).", DefaultValueFactory = _ => Defaults.BlockSize };
    private readonly Option<DistrAttentionMode> mode = new("--mode") { Description = "DistrAttention group representative.", DefaultValueFactory = _ => Defaults.Mode };
    private readonly Option<int> epochs = new("--epochs", "-e") { Description = "Passes over the training data.", DefaultValueFactory = _ => Defaults.Epochs };
    private readonly Option<int> batchSize = new("--batch-size", "-b") { Description = "Images per batch.", DefaultValueFactory = _ => Defaults.BatchSize };
    private readonly Option<double> learningRate = new("--learning-rate", "--lr") { Description = "Peak learning rate.", DefaultValueFactory = _ => Defaults.LearningRate };
    private readonly Option<ComputeDevice> device = new("--device") { Description = "cpu, cuda or auto.", DefaultValueFactory = _ => Defaults.Device };
    private readonly Option<ComputePrecision?> precision = new("--precision")
    {
        Description = "Float32, BFloat16 or Float16 for the whole model (autocast-like; default: BFloat16 on CUDA, Float32 on the CPU).",
    };
    private readonly Option<int> seed = new("--seed") { Description = "Random seed.", DefaultValueFactory = _ => Defaults.Seed };
    private readonly Option<string> init = new("--init")
    {
        Description = "Initial weights of a model trained from scratch: pytorch (the modules' defaults; chosen on validation data) or timm (truncated normal 0.02).",
        DefaultValueFactory = _ => "pytorch",
    };
    private readonly Option<double> maxGradNorm = new("--max-grad-norm") { Description = "Clip the global gradient norm to this (0 = off).", DefaultValueFactory = _ => 1.0 };
    private readonly Option<double> warmupEpochs = new("--warmup-epochs") { Description = "Epochs of linear learning-rate warm-up.", DefaultValueFactory = _ => 1.0 };

    /// <summary>Creates the options (each instance belongs to one command).</summary>
    public ModelOptions()
    {
        attention.AcceptOnlyFromAmong("exact", "distr");
        init.AcceptOnlyFromAmong("timm", "pytorch");
    }

    /// <summary>Every option, in help order.</summary>
    public IEnumerable<Option> All =>
        [preset, imageSize, patchSize, channels, attention, groupSize, blockSize, mode, epochs, batchSize, learningRate, device, precision, seed,
         init, maxGradNorm, warmupEpochs];

    /// <summary>Adds every option to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in All)
            command.Options.Add(option);
    }

    /// <summary><paramref name="settings"/> with the parsed model, attention and schedule values.</summary>
    public TrainSettings Apply(ParseResult parse, TrainSettings settings) => settings with
    {
        Preset = parse.GetValue(preset),
        ImageSize = parse.GetValue(imageSize),
        PatchSize = parse.GetValue(patchSize),
        Channels = parse.GetValue(channels),
        Attention = parse.GetValue(attention) == "exact" ? AttentionKind.Exact : AttentionKind.DistrAttention,
        GroupSize = parse.GetValue(groupSize),
        BlockSize = parse.GetValue(blockSize),
        Mode = parse.GetValue(mode),
        Epochs = parse.GetValue(epochs),
        BatchSize = parse.GetValue(batchSize),
        LearningRate = parse.GetValue(learningRate),
        Device = parse.GetValue(device),
        Precision = parse.GetValue(precision),
        Seed = parse.GetValue(seed),
        Initialization = parse.GetValue(init) == "pytorch" ? WeightInitialization.PyTorchDefault : WeightInitialization.Timm,
        MaxGradNorm = parse.GetValue(maxGradNorm),
        WarmupEpochs = parse.GetValue(warmupEpochs),
    };
}
