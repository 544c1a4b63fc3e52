namespace DistrAttention.Tests.Trainer;

/// <summary>A row with encoded image bytes (PNG).</summary>
public sealed class BytesRow
{
    public string Label { get; set; } = "";
    public byte[] Image { get; set; } = [];
}

/// <summary>A row with an image path, for LoadImages pipelines.</summary>
public sealed class PathRow
{
    public string Label { get; set; } = "";
    public string ImagePath { get; set; } = "";
}

/// <summary>Prediction of a pipeline ending in MapKeyToValue("PredictedLabel").</summary>
public sealed class Prediction
{
    public string PredictedLabel { get; set; } = "";
    public float[] Score { get; set; } = [];
}

/// <summary>Tiny synthetic images that are easy to separate: class c is noise with colour channel c bright (also distinct in grey).</summary>
internal static class SyntheticImages
{
    public static readonly string[] Classes = ["red", "green", "blue"];

    /// <summary>RGBA pixels of one image of <paramref name="cls"/>.</summary>
    public static byte[] Pixels(int cls, int size, Random random)
    {
        var px = new byte[size * size * 4];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                int o = (y * size + x) * 4;
                for (int c = 0; c < 3; c++) px[o + c] = (byte)random.Next(0, 60);
                px[o + cls % 3] = (byte)random.Next(160, 256);
                px[o + 3] = 255;
            }
        return px;
    }

    public static MLImage Image(int cls, int size, Random random) =>
        MLImage.CreateFromPixels(size, size, MLPixelFormat.Rgba32, Pixels(cls, size, random));

    /// <summary>PNG bytes (MLImage can only save to files).</summary>
    public static byte[] Png(int cls, int size, Random random)
    {
        string path = Path.Combine(Path.GetTempPath(), $"vit-{Guid.NewGuid():N}.png");
        try
        {
            using (var image = Image(cls, size, random)) image.Save(path);
            return File.ReadAllBytes(path);
        }
        finally { File.Delete(path); }
    }

    public static List<BytesRow> Rows(int perClass, int seed, int size = 16)
    {
        var random = new Random(seed);
        var rows = new List<BytesRow>();
        for (int i = 0; i < perClass; i++)
            for (int c = 0; c < Classes.Length; c++)
                rows.Add(new BytesRow { Label = Classes[c], Image = Png(c, size, random) });
        return rows;
    }

    public static IDataView Data(MLContext ml, int perClass, int seed, int size = 16) =>
        ml.Data.LoadFromEnumerable(Rows(perClass, seed, size));

    /// <summary>Depth 1, width 32, 2 heads (d = 16), patches 4×4 on 16×16: 17 tokens.</summary>
    public static VitImageClassificationTrainer.Options TinyOptions(AttentionOptions? attention = null, int epochs = 20) => new()
    {
        Config = new VitConfig
        {
            ImageSize = 16, PatchSize = 4, Channels = 3, EmbedDim = 32, Depth = 1, NumHeads = 2, MlpRatio = 2,
            Attention = attention ?? Distr,
        },
        Attention = attention ?? Distr,
        Epochs = epochs,
        BatchSize = 16,
        LearningRate = 5e-3,
        WarmupEpochs = 1,
        LabelSmoothing = 0,
        RandomCrop = false,
        HorizontalFlip = false,
        Device = ComputeDevice.Cpu,
        NumberOfThreads = 2,
    };

    public static readonly AttentionOptions Distr = new() { Kind = AttentionKind.DistrAttention, GroupSize = 2, BlockSize = 16 };

    /// <summary>6 images of each class (seed 3) with a key-typed label, for tests that train several times.</summary>
    public static IDataView KeyedData(MLContext ml) =>
        ml.Transforms.Conversion.MapValueToKey("Label").Fit(Data(ml, 6, 3)).Transform(Data(ml, 6, 3));

    /// <summary>Trains <see cref="TinyOptions"/> for <paramref name="epochs"/> epochs with <paramref name="configure"/>
    /// applied, and returns the loss of every progress report (the batches' losses in order).</summary>
    public static List<double> TrainLosses(IDataView data, int epochs, Action<VitImageClassificationTrainer.Options> configure)
    {
        var options = TinyOptions(epochs: epochs);
        var progress = new RecordingProgress();
        options.Progress = progress;
        configure(options);
        using var vit = new VitImageClassificationTrainer(options).Fit(data);
        Assert.All(progress.Reports, r => Assert.True(r.ImagesPerSecond > 0, "images/s is reported"));
        return progress.Reports.Select(r => r.Loss).ToList();
    }
}
