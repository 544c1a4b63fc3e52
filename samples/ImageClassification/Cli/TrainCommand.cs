using System.CommandLine;
using ImageClassification.Distributed;
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
            Description = "Image folder, one sub-folder per class (a folder with train/ and test/ gives both splits), or a folder of IDX files " +
                          "(train-* for training, t10k-* for testing; gzip or raw). Default: the embedded Fashion-MNIST subset (IDX).",
        };
        var test = new Option<string?>("--test") { Description = "Test images: an image folder or a folder of IDX files (its t10k-*) (default: <data>'s test split when it has one, else the validation split)." };
        var output = new Option<string>("--output", "-o") { Description = "Output folder.", DefaultValueFactory = _ => Defaults.OutputFolder };
        var model = new ModelOptions();
        var validation = new Option<double>("--validation-fraction") { Description = "Share of training images held out for validation (0 = none).", DefaultValueFactory = _ => defaults.ValidationFraction };
        var fineTune = new Option<string?>("--fine-tune") { Description = "Start from the weights of this model file, or of the model.zip in this folder (written by train)." };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for libtorch (default: all cores)." };
        var measureNorm = new Option<bool>("--measure-normalization") { Description = "Normalise pixels with the training set's mean and std instead of 0.5 and 0.5." };
        var augment = new Option<bool>("--augment") { Description = "Random left-right mirror and 2-pixel shifts of training images." };

        var command = new Command("train", "Train a ViT image classifier (default: DistrAttention G=2 on the embedded Fashion-MNIST subset).") { data, test, output };
        model.AddTo(command);
        foreach (var option in new Option[] { validation, fineTune, threads, augment, measureNorm })
            command.Options.Add(option);
        var gpus = new GpusOption(); // --gpus N > 1: N ranks of this command, one per GPU
        gpus.AddTo(command);
        command.SetAction(parse => gpus.Run(parse, () =>
        {
            var (train, testFolder) = Defaults.ResolveSplits(parse.GetValue(data), parse.GetValue(test));
            var settings = model.Apply(parse, new TrainSettings
            {
                TrainFolder = train,
                TestFolder = testFolder,
                OutputFolder = parse.GetValue(output)!,
                ValidationFraction = parse.GetValue(validation),
                FineTuneFrom = parse.GetValue(fineTune),
                Threads = parse.GetValue(threads),
                Augment = parse.GetValue(augment),
                MeasureNormalization = parse.GetValue(measureNorm),
            });
            TrainOptionsCheck.Validate(settings); // before any banner or data loading
            return settings;
        }, settings => TrainRunner.Run(settings)));
        return command;
    }
}
