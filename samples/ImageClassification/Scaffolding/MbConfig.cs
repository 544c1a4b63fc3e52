using System.Text.Json;
using System.Text.Json.Serialization;
using ImageClassification.Training;

namespace ImageClassification.Scaffolding;

/// <summary>
/// The generated project's <c>&lt;Name&gt;.mbconfig</c>, shaped like Model Builder's: the scenario, the data source, the
/// environment and the training settings, plus which files were generated. It documents the project; the code holds the values.
/// </summary>
/// <param name="Scenario">Always <c>ImageClassification</c>.</param>
/// <param name="DataSource">The image folder.</param>
/// <param name="Environment">Where training runs.</param>
/// <param name="TrainingOption">The trainer and its settings.</param>
/// <param name="CodeGeneration">The generated files and how they reference the library.</param>
public sealed record MbConfig(
    string Scenario,
    MbDataSource DataSource,
    MbEnvironment Environment,
    MbTrainingOption TrainingOption,
    MbCodeGeneration CodeGeneration)
{
    /// <summary>Model Builder's file kind.</summary>
    [JsonPropertyOrder(-2)]
    public string Type => "TrainingConfig";

    /// <summary>Version of this file's layout.</summary>
    [JsonPropertyOrder(-1)]
    public int Version => 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The config of a project generated from <paramref name="s"/>.</summary>
    public static MbConfig Create(TrainSettings s, string trainFolder, string? testFolder, IReadOnlyList<string> classes, int imageCount,
        string modelFile, IReadOnlyList<string> files, LibraryReference library) => new(
        "ImageClassification",
        new MbDataSource("Folder", trainFolder, testFolder, classes, imageCount),
        new MbEnvironment(s.Device switch
        {
            DistrAttention.Runtime.ComputeDevice.Cpu => "LocalCPU",
            DistrAttention.Runtime.ComputeDevice.Cuda => "LocalGPU",
            _ => "LocalAuto",
        }, s.Device.ToString()),
        new MbTrainingOption("VitImageClassificationTrainingOption", "VitImageClassification", s.Preset.ToString(), s.ImageSize,
            s.PatchSize, s.Channels, s.Attention.ToString(), s.GroupSize, s.BlockSize, s.Mode.ToString(), s.Epochs, s.BatchSize,
            s.LearningRate, s.Precision?.ToString(), s.Seed),
        new MbCodeGeneration("vit-sample init", modelFile, files, library.ToString()));

    /// <summary>The config as indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);
}

/// <summary>Where the training images are.</summary>
/// <param name="Type">Always <c>Folder</c>: one sub-folder of images per class.</param>
/// <param name="FolderPath">The training images.</param>
/// <param name="TestFolderPath">Test images beside them (a <c>test/</c> split), if any.</param>
/// <param name="Classes">Class names (sub-folder names).</param>
/// <param name="ImageCount">Training images found.</param>
public sealed record MbDataSource(string Type, string FolderPath, string? TestFolderPath, IReadOnlyList<string> Classes, int ImageCount);

/// <summary>Where training runs.</summary>
/// <param name="Type">Model Builder's name: <c>LocalCPU</c>, <c>LocalGPU</c> or <c>LocalAuto</c>.</param>
/// <param name="Device">The trainer's device option.</param>
public sealed record MbEnvironment(string Type, string Device);

/// <summary>The trainer and its settings (the values <c>BuildPipeline</c> was generated with).</summary>
public sealed record MbTrainingOption(string Type, string Trainer, string Preset, int ImageSize, int PatchSize, int Channels,
    string Attention, int GroupSize, int BlockSize, string Mode, int Epochs, int BatchSize, double LearningRate, string? Precision, int Seed);

/// <summary>What was generated.</summary>
/// <param name="Generator">The command that wrote the project.</param>
/// <param name="ModelFile">The model file training writes and prediction reads.</param>
/// <param name="Files">The generated files.</param>
/// <param name="Library">How the project references the library.</param>
public sealed record MbCodeGeneration(string Generator, string ModelFile, IReadOnlyList<string> Files, string Library);
