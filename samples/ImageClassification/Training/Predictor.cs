using ImageClassification.Data;
using Microsoft.ML;

namespace ImageClassification.Training;

/// <summary>One image's prediction: the label and the k most probable classes.</summary>
/// <param name="ImagePath">The image.</param>
/// <param name="Label">Predicted class.</param>
/// <param name="Top">The k best classes with their probabilities, best first.</param>
public sealed record Prediction(string ImagePath, string Label, IReadOnlyList<(string Class, float Probability)> Top);

/// <summary>Scores image files with a saved pipeline.</summary>
public static class Predictor
{
    private sealed class Output
    {
        public string ImagePath { get; set; } = "";
        public string PredictedLabel { get; set; } = "";
        public float[] Score { get; set; } = [];
    }

    /// <summary>Expands the command's inputs: image files as given, folders to the images in them (recursively), sorted.</summary>
    /// <exception cref="DatasetException">An input does not exist, or a folder holds no images.</exception>
    public static IReadOnlyList<string> ExpandInputs(IEnumerable<string> inputs)
    {
        var files = new List<string>();
        foreach (var input in inputs)
        {
            if (File.Exists(input))
                files.Add(Path.GetFullPath(input));
            else if (Directory.Exists(input))
            {
                var found = Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories)
                    .Where(f => ImageFolderDataset.ImageExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                    .Select(Path.GetFullPath).Order(StringComparer.Ordinal).ToList();
                if (found.Count == 0)
                    throw new DatasetException($"Folder '{Path.GetFullPath(input)}' has no images ({string.Join(", ", ImageFolderDataset.ImageExtensions)}).");
                files.AddRange(found);
            }
            else
                throw new DatasetException($"'{Path.GetFullPath(input)}' is neither an image file nor a folder.");
        }
        return files;
    }

    /// <summary>Predicts every image; each is decoded first so that a bad file is named.</summary>
    public static IReadOnlyList<Prediction> Predict(MLContext ml, ITransformer model, IReadOnlyList<string> classes, IReadOnlyList<string> images, int topK)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(topK);
        foreach (var image in images)
            ImageFolderDataset.VerifyImage(image);
        try
        {
            return Score(ml, model, classes, images, topK);
        }
        catch (Exception e) when (IsBadImage(e) && images.Count > 1)
        {
            // Find the file at fault: score one image at a time (only after a failure, so the usual path stays batched).
            foreach (var image in images)
                Score(ml, model, classes, [image], topK);
            throw new DatasetException($"An image cannot be scored: {e.Message}", e);
        }
    }

    private static bool IsBadImage(Exception e) => e is InvalidDataException or ArgumentException or FormatException;

    private static List<Prediction> Score(MLContext ml, ITransformer model, IReadOnlyList<string> classes, IReadOnlyList<string> images, int topK)
    {
        try
        {
            // The label column must exist for the label mapping; an empty label maps to the missing key and is not used.
            var rows = images.Select(p => new ImageRow { ImagePath = p, Label = "" });
            var scored = model.Transform(SamplePipeline.ToDataView(ml, rows));
            return ml.Data.CreateEnumerable<Output>(scored, reuseRowObject: false)
                .Select(o => new Prediction(o.ImagePath, o.PredictedLabel,
                    o.Score.Select((p, c) => (classes[c], p)).OrderByDescending(t => t.p).Take(topK).ToList()))
                .ToList();
        }
        catch (Exception e) when (IsBadImage(e) && images.Count == 1)
        {
            throw new DatasetException($"Image '{images[0]}' cannot be scored: {e.Message}", e);
        }
    }
}
