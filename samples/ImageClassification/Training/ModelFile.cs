using ImageClassification.Data;
using Microsoft.ML;

namespace ImageClassification.Training;

/// <summary>Saves and loads the whole fitted pipeline (label mapping, image loading, ViT, key-to-value) as one file.</summary>
public static class ModelFile
{
    /// <summary>Default file name inside an output folder.</summary>
    public const string DefaultName = "model.zip";

    /// <summary>Input schema of the pipeline (<see cref="ImageRow"/>).</summary>
    public static DataViewSchema InputSchema(MLContext ml) => SamplePipeline.ToDataView(ml, []).Schema;

    /// <summary>Writes the model; a temporary file is renamed at the end so a failure never leaves half a file.</summary>
    public static void Save(MLContext ml, ITransformer model, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + ".tmp";
        try
        {
            ml.Model.Save(model, InputSchema(ml), temp);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
                File.Delete(temp);
        }
    }

    /// <summary>Loads a model written by <see cref="Save"/> and the class names it predicts.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a model of this sample.</exception>
    public static (ITransformer Model, IReadOnlyList<string> Classes) Load(MLContext ml, string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Model file '{path}' does not exist.", path);
        ITransformer model;
        try
        {
            model = ml.Model.Load(path, out _);
        }
        catch (Exception e) when (e is not FileNotFoundException)
        {
            throw new InvalidDataException($"'{path}' is not a model file this sample can load: {e.Message}", e);
        }
        return (model, SamplePipeline.ClassNames(model, InputSchema(ml)));
    }
}
