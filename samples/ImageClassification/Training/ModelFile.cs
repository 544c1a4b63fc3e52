using DistrAttention.Runtime;
using ImageClassification.Data;
using Microsoft.ML;
using Microsoft.ML.DistrAttention;

namespace ImageClassification.Training;

/// <summary>Saves and loads the whole fitted pipeline (label mapping, image loading, ViT, key-to-value) as one file.</summary>
public static class ModelFile
{
    /// <summary>Default file name inside an output folder.</summary>
    public const string DefaultName = "model.zip";

    /// <summary>Input schema of the pipeline (<see cref="ImageRow"/>).</summary>
    public static DataViewSchema InputSchema(MLContext ml) => SamplePipeline.ToDataView(ml, []).Schema;

    /// <summary>Writes the model with the trainer's whole-pipeline save (never leaves a half-written file).</summary>
    public static void Save(MLContext ml, ITransformer model, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        ml.Model.SaveWithVit(model, InputSchema(ml), path);
    }

    /// <summary>A model path as given, or the <see cref="DefaultName"/> inside it when it is a folder (an output folder of <c>train</c>).</summary>
    public static string Resolve(string path) => Directory.Exists(path) ? Path.Combine(path, DefaultName) : path;

    /// <summary>Loads a model written by <see cref="Save"/> and the class names it predicts.</summary>
    /// <param name="ml">The ML.NET context.</param>
    /// <param name="path">The model file, or a folder holding <see cref="DefaultName"/>.</param>
    /// <param name="device">Where the ViT runs; null keeps the device it was trained on.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a model of this sample, or is corrupt.</exception>
    public static (ITransformer Model, IReadOnlyList<string> Classes) Load(MLContext ml, string path, ComputeDevice? device = null)
    {
        if (Directory.Exists(path) && !File.Exists(Resolve(path)))
            throw new FileNotFoundException($"Folder '{Path.GetFullPath(path)}' holds no {DefaultName}; train one with `vit-sample train`.", Resolve(path));
        path = Resolve(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Model file '{Path.GetFullPath(path)}' does not exist; train one with `vit-sample train`.", path);
        var model = ml.Model.LoadWithVit(path, out var schema, device);
        if (schema.GetColumnOrNull(SamplePipeline.ImagePath) is null)
            throw new InvalidDataException($"'{path}' is a ViT pipeline but not one of this sample (its input has no '{SamplePipeline.ImagePath}' column).");
        return (model, SamplePipeline.ClassNames(model, InputSchema(ml)));
    }
}
