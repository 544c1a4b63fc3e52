using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using DistrAttention.Vit.Model;

namespace ImageClassification.Benchmark;

/// <summary>A model at an image size, written <c>base@384</c>.</summary>
/// <param name="Model">tiny, small, base or w{width}d{depth}h{heads}.</param>
/// <param name="ImageSize">Image side in pixels.</param>
public readonly record struct ModelAtSize(string Model, int ImageSize)
{
    /// <inheritdoc />
    public override string ToString() => $"{Model}@{ImageSize}";
}

/// <summary>What <c>benchmark --train</c> measures (see <see cref="TrainBenchmark"/>).</summary>
public sealed record TrainBenchmarkSettings
{
    /// <summary>The default configurations: ViT-Ti/S/B at 224 px and ViT-B at 384 px.</summary>
    public static readonly IReadOnlyList<ModelAtSize> DefaultConfigs =
        [new("tiny", 224), new("small", 224), new("base", 224), new("base", 384)];

    /// <summary>cuda or cpu.</summary>
    public required string Device { get; init; }

    /// <summary>Compute precision of the training step.</summary>
    public ComputePrecision Precision { get; init; } = ComputePrecision.BFloat16;

    /// <summary>Models and image sizes, in order.</summary>
    public IReadOnlyList<ModelAtSize> Configs { get; init; } = DefaultConfigs;

    /// <summary>DistrAttention group sizes G (Exact is always measured).</summary>
    public IReadOnlyList<int> GroupSizes { get; init; } = [2, 4];

    /// <summary>DistrAttention query block l.</summary>
    public int BlockSize { get; init; } = 64;

    /// <summary>Images per step.</summary>
    public int Batch { get; init; } = 64;

    /// <summary>Classes of the head (1000, as timm's ImageNet models).</summary>
    public int Classes { get; init; } = 1000;

    /// <summary>Image channels.</summary>
    public int Channels { get; init; } = 3;

    /// <summary>Patch side in pixels.</summary>
    public int PatchSize { get; init; } = 16;

    /// <summary>Untimed steps before the first repetition.</summary>
    public int Warmup { get; init; } = 5;

    /// <summary>Back-to-back steps per timed repetition.</summary>
    public int Steps { get; init; } = 20;

    /// <summary>Timed repetitions; the median is reported.</summary>
    public int Repetitions { get; init; } = 3;

    /// <summary>AdamW learning rate.</summary>
    public double LearningRate { get; init; } = 1e-4;

    /// <summary>Folder for train-bench.md, train-bench.json and train-bench-infer.png.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>bench/pytorch/vit_train_bench.py, or null to skip PyTorch.</summary>
    public string? PyTorchScript { get; init; }

    /// <summary>The Python interpreter that runs <see cref="PyTorchScript"/>.</summary>
    public string Python { get; init; } = "python3";

    /// <summary>Measure in this process instead of one child process per configuration (no comparable GPU memory).</summary>
    public bool InProcess { get; init; }

    /// <summary>Skip the inference comparison.</summary>
    public bool SkipInference { get; init; }

    /// <summary>Timed forwards per inference configuration (one synchronised forward each; the median is reported).</summary>
    public int InferenceRepetitions { get; init; } = 20;

    /// <summary>Seconds a child process (one configuration) may take.</summary>
    public int ChildTimeoutSeconds { get; init; } = 600;

    /// <summary>Checks the numbers; the message names the command-line flag.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        if (Device is not ("cuda" or "cpu")) throw new ArgumentException($"--device must be cuda or cpu for --train, got '{Device}'.");
        if (Configs.Count == 0) throw new ArgumentException("--models/--image-sizes select no configuration.");
        foreach (var c in Configs) VitModels.Config(c.Model, c.ImageSize, Classes, Channels, PatchSize).Validate();
        Positive(Batch, "--batch");
        Positive(Classes, "--classes");
        Positive(Channels, "--channels");
        Positive(Steps, "--steps");
        Positive(Repetitions, "--repetitions");
        Positive(InferenceRepetitions, "--inference-repetitions");
        if (Warmup < 0) throw new ArgumentException($"--warmup must be >= 0, got {Warmup}.");
        if (!(LearningRate > 0)) throw new ArgumentException($"--learning-rate must be positive, got {LearningRate}.");
        if (BlockSize <= 0 || BlockSize % 16 != 0) throw new ArgumentException($"--block-size must be a positive multiple of 16, got {BlockSize}.");
        foreach (int g in GroupSizes)
            if (!DistrAttention.Vit.Attention.AttentionOptions.SupportedGroupSizes.Contains(g) || g == 1)
                throw new ArgumentException($"--groups: G must be one of 2, 4, 8, 16, got {g}.");
    }

    /// <summary>Parses <c>--precision</c>: float32, bfloat16 or float16 (also fp32, bf16, fp16, half).</summary>
    /// <exception cref="ArgumentException">Any other value; the message names the flag.</exception>
    public static ComputePrecision ParsePrecision(string? text) => (text ?? "bfloat16").Trim().ToLowerInvariant() switch
    {
        "float32" or "fp32" or "f32" => ComputePrecision.Float32,
        "bfloat16" or "bf16" => ComputePrecision.BFloat16,
        "float16" or "fp16" or "half" => ComputePrecision.Float16,
        _ => throw new ArgumentException($"--precision must be float32, bfloat16 or float16, got '{text}'."),
    };

    /// <summary>The precision's name as the PyTorch script spells it.</summary>
    public static string PrecisionName(ComputePrecision precision) => precision switch
    {
        ComputePrecision.Float32 => "float32",
        ComputePrecision.Float16 => "float16",
        _ => "bfloat16",
    };

    /// <summary>
    /// The configurations of <c>--train</c>: <see cref="DefaultConfigs"/> when neither <c>--models</c> nor
    /// <c>--image-sizes</c> is given, else their cross product (models default to tiny,small,base, sizes to 224).
    /// </summary>
    public static IReadOnlyList<ModelAtSize> ParseConfigs(string? models, string? imageSizes)
    {
        if (string.IsNullOrWhiteSpace(models) && string.IsNullOrWhiteSpace(imageSizes)) return DefaultConfigs;
        var names = Split(string.IsNullOrWhiteSpace(models) ? "tiny,small,base" : models);
        var sizes = Split(string.IsNullOrWhiteSpace(imageSizes) ? "224" : imageSizes).Select(s => ParseInt(s, "--image-sizes")).ToList();
        foreach (var name in names) VitModels.Config(name, 224); // names checked here, sizes by Validate
        return names.SelectMany(m => sizes.Select(s => new ModelAtSize(m.ToLowerInvariant(), s))).ToList();
    }

    /// <summary>Comma-separated integers of the flag <paramref name="flag"/>.</summary>
    public static List<int> ParseInts(string text, string flag) => Split(text).Select(s => ParseInt(s, flag)).ToList();

    private static List<string> Split(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private static int ParseInt(string text, string flag) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value > 0
            ? value : throw new ArgumentException($"{flag} expects positive integers, got '{text}'.");

    private static void Positive(int value, string flag)
    {
        if (value <= 0) throw new ArgumentException($"{flag} must be positive, got {value}.");
    }
}

/// <summary>One training-step measurement, as the parent hands it to a child process (JSON on its command line):
/// a model at an image size with one attention, measured with the step settings of <see cref="Settings"/>.</summary>
public sealed record TrainCase
{
    /// <summary>Model name (see <see cref="VitModels"/>).</summary>
    public required string Model { get; init; }
    /// <summary>Image side.</summary>
    public required int ImageSize { get; init; }
    /// <summary>1 = Exact attention; 2, 4, … = DistrAttention with this G.</summary>
    public required int GroupSize { get; init; }
    /// <summary>Batch, precision, block size, step counts, learning rate and device (its configuration lists are not
    /// read: <see cref="Model"/>, <see cref="ImageSize"/> and <see cref="GroupSize"/> are this case's).</summary>
    public required TrainBenchmarkSettings Settings { get; init; }
    /// <summary>"Exact" or "DistrAttention".</summary>
    [JsonIgnore]
    public string Attention => GroupSize == 1 ? "Exact" : "DistrAttention";

    /// <summary>The cases of <paramref name="s"/>: each configuration with Exact, then each G.</summary>
    public static IEnumerable<TrainCase> All(TrainBenchmarkSettings s)
    {
        foreach (var c in s.Configs)
            foreach (int g in s.GroupSizes.Prepend(1))
                yield return new TrainCase { Model = c.Model, ImageSize = c.ImageSize, GroupSize = g, Settings = s };
    }

    /// <summary>One-line JSON (the child's <c>--single</c> argument).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, BenchJson.Options);

    /// <summary>Reads <see cref="ToJson"/>'s output.</summary>
    /// <exception cref="ArgumentException">Not a case.</exception>
    public static TrainCase FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<TrainCase>(json, BenchJson.Options) ?? throw new ArgumentException("--single: empty case.");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"--single expects a case as JSON: {e.Message}", e);
        }
    }
}
