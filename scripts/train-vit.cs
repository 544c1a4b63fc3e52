// train-vit.cs: train a Vision Transformer image classifier with DistrAttention through the public ML.NET API.
//
//   dotnet run scripts/train-vit.cs -- scripts/train-vit.example.json
//
// The config (JSON) names the image folder, the model and the training settings; see train-vit.example.json.
// Relative paths in it are relative to the config file. The script trains, evaluates, saves the whole pipeline to
// <output>/model.zip (SaveWithVit: written to a temporary file, then renamed) and <output>/metrics.json.
// predict-vit.cs reads the same config and classifies images with the saved model.
#:project ../src/Microsoft.ML.DistrAttention
#:property PublishAot=false

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using DistrAttention.Vit.Attention;
using DistrAttention.Vit.Model;
using DistrAttention.Runtime;
using Microsoft.ML;
using Microsoft.ML.DistrAttention;
using Microsoft.ML.Transforms;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: dotnet run scripts/train-vit.cs -- <config.json>");
    return 2;
}
try
{
    // 1. The config.
    var config = TrainConfig.Load(args[0]);
    Console.WriteLine($"Config {Path.GetFullPath(args[0])}: data {config.Data}, output {config.Output}");

    // 2. The images: one row per file, labelled by its class folder. A data folder with train/ and test/ gives both
    //    splits; otherwise a fifth of the images (per ML.NET's TrainTestSplit) is kept for the evaluation.
    var ml = new MLContext(seed: config.Seed);
    IDataView train, test;
    string trainFolder = Path.Combine(config.Data, "train"), testFolder = Path.Combine(config.Data, "test");
    if (Directory.Exists(trainFolder) && Directory.Exists(testFolder))
    {
        train = ml.Data.LoadFromEnumerable(ImageFolder.Read(trainFolder));
        test = ml.Data.LoadFromEnumerable(ImageFolder.Read(testFolder));
    }
    else
    {
        var split = ml.Data.TrainTestSplit(ml.Data.LoadFromEnumerable(ImageFolder.Read(config.Data)), testFraction: 0.2, seed: config.Seed);
        (train, test) = (split.TrainSet, split.TestSet);
    }

    // 3. The pipeline: label text → key, image file → image, the ViT trainer (it resizes and converts images itself),
    //    predicted key → label text.
    var trainer = ml.MulticlassClassification.Trainers.VitImageClassification(new VitImageClassificationTrainer.Options
    {
        Config = config.Architecture(),
        Epochs = config.Epochs,
        BatchSize = config.BatchSize,
        LearningRate = config.LearningRate,
        Device = config.Device,
        Precision = config.Precision,
        Seed = config.Seed,
        RandomCrop = config.Augment,
        HorizontalFlip = config.Augment,
        Progress = new ConsoleProgress(),
    });
    var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
        .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath"))
        .Append(trainer)
        .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));

    // 4. Training, with one progress line per epoch.
    Console.WriteLine($"Training {config.Describe()}");
    var clock = System.Diagnostics.Stopwatch.StartNew();
    ITransformer model = pipeline.Fit(train);
    Console.WriteLine($"Trained in {clock.Elapsed.TotalSeconds:F1} s");

    // 5. Evaluation on the test images (ML.NET's multiclass metrics read the key-typed Label and the Score).
    var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test), labelColumnName: "Label", scoreColumnName: "Score");
    Console.WriteLine($"Test accuracy {metrics.MicroAccuracy:P2}, macro accuracy {metrics.MacroAccuracy:P2}, log-loss {metrics.LogLoss:F4}");

    // 6. The whole fitted pipeline in one file (SaveWithVit: ML.NET's Model.Save cannot hold the ViT), and the metrics.
    Directory.CreateDirectory(config.Output);
    string modelPath = Path.Combine(config.Output, "model.zip");
    ml.Model.SaveWithVit(model, train.Schema, modelPath);
    File.WriteAllText(Path.Combine(config.Output, "metrics.json"), JsonSerializer.Serialize(new
    {
        accuracy = metrics.MicroAccuracy,
        macroAccuracy = metrics.MacroAccuracy,
        logLoss = metrics.LogLoss,
        trainingSeconds = clock.Elapsed.TotalSeconds,
        model = config.Describe(),
    }, new JsonSerializerOptions { WriteIndented = true }));
    Console.WriteLine($"Saved {modelPath}");
    return 0;
}
catch (Exception e) when (e is ConfigException or IOException or InvalidDataException or ArgumentException or TorchRuntimeException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

/// <summary>One input row: an image file and its class name.</summary>
public sealed class ImageRow
{
    /// <summary>The class name (the image's folder name).</summary>
    public string Label { get; set; } = "";

    /// <summary>The image file.</summary>
    public string ImagePath { get; set; } = "";
}

/// <summary>Reads a labelled image folder: <c>&lt;folder&gt;/&lt;class&gt;/*.png|jpg|jpeg|bmp</c>.</summary>
public static class ImageFolder
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp"];

    /// <summary>One row per image, classes and files in ordinal order.</summary>
    public static List<ImageRow> Read(string folder)
    {
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"data: image folder '{folder}' does not exist.");
        var rows = Directory.GetDirectories(folder).Order(StringComparer.Ordinal)
            .SelectMany(classFolder => Directory.GetFiles(classFolder)
                .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                .Order(StringComparer.Ordinal)
                .Select(f => new ImageRow { Label = Path.GetFileName(classFolder), ImagePath = f }))
            .ToList();
        if (rows.Count == 0)
            throw new InvalidDataException($"data: image folder '{folder}' has no images in class sub-folders (<folder>/<class>/*.png).");
        return rows;
    }
}

/// <summary>Prints one line per epoch; the trainer reports after every batch, on the training thread.</summary>
public sealed class ConsoleProgress : IProgress<TrainingProgress>
{
    /// <inheritdoc />
    public void Report(TrainingProgress p)
    {
        if (p.Batch == p.BatchesPerEpoch && p.ValidationAccuracy is null)
            Console.WriteLine($"epoch {p.Epoch}/{p.Epochs}  loss {p.Loss:F4}  accuracy {p.Accuracy:P1}  {p.ImagesPerSecond:F0} images/s  {p.Elapsed:mm\\:ss}");
    }
}

/// <summary>A config file that cannot be used; the message names the file and the field.</summary>
public sealed class ConfigException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The training config (train-vit.example.json shows every field).</summary>
public sealed record TrainConfig
{
    /// <summary>Labelled image folder: one sub-folder per class, or train/ and test/ folders of those.</summary>
    public required string Data { get; init; }
    /// <summary>Folder for model.zip and metrics.json.</summary>
    public required string Output { get; init; }
    /// <summary>ViT size: Tiny, Small or Base (timm widths; see <see cref="VitPreset"/>).</summary>
    public VitPreset Preset { get; init; } = VitPreset.Tiny;
    /// <summary>Optional overrides of the preset's width, depth and heads (e.g. a small model for a CPU).</summary>
    public int? EmbedDim { get; init; }
    /// <summary>Encoder blocks, instead of the preset's 12.</summary>
    public int? Depth { get; init; }
    /// <summary>Attention heads, instead of the preset's.</summary>
    public int? NumHeads { get; init; }
    /// <summary>Model input side in pixels; images are resized to it.</summary>
    public int ImageSize { get; init; } = 224;
    /// <summary>Patch side in pixels.</summary>
    public int PatchSize { get; init; } = 16;
    /// <summary>1 (grey) or 3 (RGB).</summary>
    public int Channels { get; init; } = 3;
    /// <summary>Exact or DistrAttention.</summary>
    public AttentionKind Attention { get; init; } = AttentionKind.DistrAttention;
    /// <summary>DistrAttention group size G (1, 2, 4, 8, 16).</summary>
    public int G { get; init; } = 2;
    /// <summary>DistrAttention LSH block size l (a multiple of 16).</summary>
    public int L { get; init; } = 64;
    /// <summary>DistrAttention group representative: Mean or Sample.</summary>
    public DistrAttentionMode Mode { get; init; } = DistrAttentionMode.Mean;
    /// <summary>Float32, BFloat16 or Float16; null: BFloat16 on CUDA, Float32 on the CPU.</summary>
    public ComputePrecision? Precision { get; init; }
    /// <summary>Passes over the training images.</summary>
    public int Epochs { get; init; } = 10;
    /// <summary>Images per batch.</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>Peak AdamW learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>Random crops and left-right flips of training images.</summary>
    public bool Augment { get; init; }
    /// <summary>Cpu, Cuda or Auto.</summary>
    public ComputeDevice Device { get; init; } = ComputeDevice.Auto;
    /// <summary>Seed of the split, initialisation and shuffling.</summary>
    public int Seed { get; init; } = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, // a misspelt field is an error, not a silent default
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Reads and checks the config; <see cref="Data"/> and <see cref="Output"/> become full paths.</summary>
    /// <exception cref="ConfigException">The file is missing, not JSON, lacks a field or has a bad value; the message names it.</exception>
    public static TrainConfig Load(string path)
    {
        if (!File.Exists(path))
            throw new ConfigException($"config file '{Path.GetFullPath(path)}' does not exist.");
        TrainConfig config;
        try
        {
            config = JsonSerializer.Deserialize<TrainConfig>(File.ReadAllText(path), Json)
                ?? throw new ConfigException($"{path}: the config is empty (null).");
        }
        catch (JsonException e)
        {
            throw new ConfigException($"{path}: {e.Message}", e);
        }
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        config = config with { Data = Path.GetFullPath(config.Data, folder), Output = Path.GetFullPath(config.Output, folder) };
        if (config.Check() is { } problem)
            throw new ConfigException($"{path}: {problem}");
        return config;
    }

    private string? Check()
    {
        if (!Directory.Exists(Data)) return $"\"data\": folder '{Data}' does not exist";
        if (Epochs <= 0) return $"\"epochs\" must be positive (got {Epochs})";
        if (BatchSize <= 0) return $"\"batchSize\" must be positive (got {BatchSize})";
        if (!(LearningRate > 0)) return $"\"learningRate\" must be positive (got {LearningRate})";
        if (ImageSize <= 0 || PatchSize <= 0 || ImageSize % PatchSize != 0)
            return $"\"imageSize\" must be a positive multiple of \"patchSize\" (got {ImageSize} and {PatchSize})";
        if (Channels is not (1 or 3)) return $"\"channels\" must be 1 or 3 (got {Channels})";
        if (Attention == AttentionKind.DistrAttention && !AttentionOptions.SupportedGroupSizes.Contains(G))
            return $"\"g\" must be one of {string.Join(", ", AttentionOptions.SupportedGroupSizes)} (got {G})";
        if (Attention == AttentionKind.DistrAttention && (L <= 0 || L % 16 != 0))
            return $"\"l\" must be a positive multiple of 16 (got {L})";
        return null;
    }

    /// <summary>The preset at this image size, with the overrides and the attention applied.</summary>
    public VitConfig Architecture()
    {
        // The class count given here does not matter: the trainer sets it from the labels.
        var preset = Preset switch
        {
            VitPreset.Small => VitConfig.Small(ImageSize, numClasses: 2, Channels, PatchSize),
            VitPreset.Base => VitConfig.Base(ImageSize, numClasses: 2, Channels, PatchSize),
            _ => VitConfig.Tiny(ImageSize, numClasses: 2, Channels, PatchSize),
        };
        return preset with
        {
            EmbedDim = EmbedDim ?? preset.EmbedDim,
            Depth = Depth ?? preset.Depth,
            NumHeads = NumHeads ?? preset.NumHeads,
            Attention = Attention == AttentionKind.Exact
                ? AttentionOptions.Exact
                : new AttentionOptions { Kind = AttentionKind.DistrAttention, GroupSize = G, BlockSize = L, Mode = Mode },
        };
    }

    /// <summary>A one-line description of the model.</summary>
    public string Describe()
    {
        var c = Architecture();
        string attention = Attention == AttentionKind.Exact ? "exact attention" : $"DistrAttention G = {G}, l = {L}, {Mode}";
        return $"ViT {c.ImageSize}x{c.ImageSize}x{c.Channels}, patch {c.PatchSize}, width {c.EmbedDim}, depth {c.Depth}, {c.NumHeads} heads, {attention}";
    }
}
