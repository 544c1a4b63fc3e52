using System.CommandLine;
using DistrAttention.Vit.Attention;
using DistrAttention.Vit.Model;
using DistrAttention.Vit.Runtime;
using ImageClassification.Training;

namespace ImageClassification.Cli;

/// <summary><c>train</c>: fit a ViT on an image folder, save the model, evaluate it and write metrics and plots.</summary>
public static class TrainCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var defaults = new TrainSettings { TrainFolder = "", OutputFolder = "" };
        var data = new Option<string?>("--data", "-d")
        {
            Description = "Image folder, one sub-folder per class; a folder with train/ and test/ gives both splits. Default: the embedded Fashion-MNIST subset.",
        };
        var test = new Option<string?>("--test") { Description = "Test image folder (default: <data>/test when it exists, else the validation split)." };
        var output = new Option<string>("--output", "-o") { Description = "Output folder.", DefaultValueFactory = _ => Defaults.OutputFolder };
        var preset = new Option<ModelPreset>("--preset") { Description = "Model size.", DefaultValueFactory = _ => defaults.Preset };
        var imageSize = new Option<int>("--image-size") { Description = "Model input side in pixels.", DefaultValueFactory = _ => defaults.ImageSize };
        var patchSize = new Option<int>("--patch-size") { Description = "Patch side in pixels.", DefaultValueFactory = _ => defaults.PatchSize };
        var channels = new Option<int>("--channels") { Description = "1 (grey) or 3 (RGB).", DefaultValueFactory = _ => defaults.Channels };
        var attention = new Option<string>("--attention") { Description = "exact or distr (DistrAttention).", DefaultValueFactory = _ => "distr" };
        attention.AcceptOnlyFromAmong("exact", "distr");
        var groupSize = new Option<int>("--group-size", "-G") { Description = "DistrAttention group size G (1, 2, 4, 8, 16).", DefaultValueFactory = _ => defaults.GroupSize };
        var blockSize = new Option<int>("--block-size", "-l") { Description = "DistrAttention LSH block size l (multiple of 16).", DefaultValueFactory = _ => defaults.BlockSize };
        var mode = new Option<DistrAttentionMode>("--mode") { Description = "DistrAttention group representative.", DefaultValueFactory = _ => defaults.Mode };
        var epochs = new Option<int>("--epochs", "-e") { Description = "Passes over the training data.", DefaultValueFactory = _ => defaults.Epochs };
        var batchSize = new Option<int>("--batch-size", "-b") { Description = "Images per batch.", DefaultValueFactory = _ => defaults.BatchSize };
        var learningRate = new Option<double>("--learning-rate", "--lr") { Description = "Peak learning rate.", DefaultValueFactory = _ => defaults.LearningRate };
        var device = new Option<ComputeDevice>("--device") { Description = "cpu, cuda or auto.", DefaultValueFactory = _ => defaults.Device };
        var precision = new Option<ComputePrecision?>("--precision")
        {
            Description = "Float32, BFloat16 or Float16 for the whole model (autocast-like; default: BFloat16 on CUDA, Float32 on the CPU).",
        };
        var seed = new Option<int>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => defaults.Seed };
        var validation = new Option<double>("--validation-fraction") { Description = "Share of training images held out for validation (0 = none).", DefaultValueFactory = _ => defaults.ValidationFraction };
        var fineTune = new Option<string?>("--fine-tune") { Description = "Start from the weights of this model file, or of the model.zip in this folder (written by train)." };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for libtorch (default: all cores)." };
        var measureNorm = new Option<bool>("--measure-normalization") { Description = "Normalise pixels with the training set's mean and std instead of 0.5 and 0.5." };
        var augment = new Option<bool>("--augment") { Description = "Random left-right mirror and 2-pixel shifts of training images." };

        var command = new Command("train", "Train a ViT image classifier (default: DistrAttention G=2 on the embedded Fashion-MNIST subset).")
        {
            data, test, output, preset, imageSize, patchSize, channels, attention, groupSize, blockSize, mode,
            epochs, batchSize, learningRate, device, precision, seed, validation, fineTune, threads, augment, measureNorm,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var (train, testFolder) = Defaults.ResolveSplits(parse.GetValue(data), parse.GetValue(test));
            var settings = new TrainSettings
            {
                TrainFolder = train,
                TestFolder = testFolder,
                OutputFolder = parse.GetValue(output)!,
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
                ValidationFraction = parse.GetValue(validation),
                FineTuneFrom = parse.GetValue(fineTune),
                Threads = parse.GetValue(threads),
                Augment = parse.GetValue(augment),
                MeasureNormalization = parse.GetValue(measureNorm),
            };
            TrainOptionsCheck.Validate(settings); // before any banner or data loading
            TrainRunner.Run(settings);
        }));
        return command;
    }
}
