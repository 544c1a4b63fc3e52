// predict-vit.cs: classify images with the model that train-vit.cs saved, through the public ML.NET API.
//
//   dotnet run scripts/predict-vit.cs -- scripts/train-vit.example.json <image or folder>...
//
// It reads "output" (where model.zip is) and "device" from the training config, loads the whole pipeline with
// LoadWithVit and prints, for every image, the predicted label and each class's probability (most probable first).
#:project ../src/Microsoft.ML.DistrAttention
#:property PublishAot=false

using System.Globalization;
using System.Text.Json;
using DistrAttention.Runtime;
using Microsoft.ML;
using Microsoft.ML.Data;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: dotnet run scripts/predict-vit.cs -- <config.json> <image or folder>...");
    return 2;
}
try
{
    // 1. Where the model is: "output" of the training config (relative to the config file), and the device.
    var (modelPath, device) = ReadConfig(args[0]);
    var images = ListImages(args[1..]);

    // 2. The whole pipeline (label keys, image loading, ViT, key-to-label), as train-vit.cs saved it.
    var ml = new MLContext();
    ITransformer model = ml.Model.LoadWithVit(modelPath, out DataViewSchema inputSchema, device);

    // 3. A prediction engine: one image in, the predicted label and the class probabilities out. The class names are
    //    the Score column's slot names.
    var engine = ml.Model.CreatePredictionEngine<ImageInput, ImagePrediction>(model, inputSchema);
    VBuffer<ReadOnlyMemory<char>> slotNames = default;
    engine.OutputSchema["Score"].GetSlotNames(ref slotNames);
    string[] classes = slotNames.DenseValues().Select(name => name.ToString()).ToArray();

    foreach (string image in images)
    {
        var prediction = engine.Predict(new ImageInput { ImagePath = image });
        Console.WriteLine($"{image}: {prediction.PredictedLabel}");
        foreach (var (label, score) in classes.Zip(prediction.Score).OrderByDescending(pair => pair.Second))
            Console.WriteLine($"  {label}: {score:R}");
    }
    return 0;
}
catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or JsonException or TorchRuntimeException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

// The model file and device named by the training config (see train-vit.example.json).
static (string ModelPath, ComputeDevice? Device) ReadConfig(string path)
{
    if (!File.Exists(path))
        throw new FileNotFoundException($"config file '{Path.GetFullPath(path)}' does not exist.", path);
    using var json = JsonDocument.Parse(File.ReadAllText(path),
        new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
    var fields = json.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.OrdinalIgnoreCase);
    if (!fields.TryGetValue("output", out var output) || output.ValueKind != JsonValueKind.String)
        throw new InvalidDataException($"{path}: the field \"output\" (the folder train-vit.cs wrote model.zip to) is missing.");
    string modelPath = Path.Combine(Path.GetFullPath(output.GetString()!, Path.GetDirectoryName(Path.GetFullPath(path))!), "model.zip");
    if (!File.Exists(modelPath))
        throw new FileNotFoundException($"{path}: \"output\" holds no model.zip ({modelPath}); run train-vit.cs with this config first.", modelPath);
    ComputeDevice? device = fields.TryGetValue("device", out var d) && d.ValueKind == JsonValueKind.String
        ? Enum.Parse<ComputeDevice>(d.GetString()!, ignoreCase: true)
        : null;
    return (modelPath, device);
}

// Image files as given, folders expanded to the images in them (recursively), in ordinal order.
static List<string> ListImages(IEnumerable<string> inputs)
{
    string[] extensions = [".png", ".jpg", ".jpeg", ".bmp"];
    var images = new List<string>();
    foreach (string input in inputs)
    {
        if (File.Exists(input))
            images.Add(Path.GetFullPath(input));
        else if (Directory.Exists(input))
            images.AddRange(Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories)
                .Where(f => extensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Select(Path.GetFullPath).Order(StringComparer.Ordinal));
        else
            throw new FileNotFoundException($"image '{Path.GetFullPath(input)}' is neither a file nor a folder.", input);
    }
    return images;
}

/// <summary>The pipeline's input row; the label is not known when predicting (empty maps to no key).</summary>
public sealed class ImageInput
{
    /// <summary>The class name; empty here.</summary>
    public string Label { get; set; } = "";

    /// <summary>The image file.</summary>
    public string ImagePath { get; set; } = "";
}

/// <summary>The pipeline's output for one image.</summary>
public sealed class ImagePrediction
{
    /// <summary>The most probable class (mapped back to its name).</summary>
    public string PredictedLabel { get; set; } = "";

    /// <summary>The probability of each class, in the order of the Score column's slot names.</summary>
    public float[] Score { get; set; } = [];
}
