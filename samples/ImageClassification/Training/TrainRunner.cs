using System.Diagnostics;
using DistrAttention.Vit.Attention;
using DistrAttention.Runtime;
using ImageClassification.Data;
using ImageClassification.Distributed;
using ImageClassification.Reports;
using Microsoft.ML;
using Microsoft.ML.DistrAttention;
using Spectre.Console;
using TorchSharp;

namespace ImageClassification.Training;

/// <summary>The <c>train</c> command's work: load folders, fit, save the model, evaluate, write metrics and plots.</summary>
public static class TrainRunner
{
    /// <summary>Output file names inside the output folder.</summary>
    public const string MetricsJson = "metrics.json", MetricsMarkdown = "metrics.md",
        ConfusionMatrixPng = "confusion-matrix.png", TrainingCurvePng = "training-curve.png";

    /// <summary>
    /// Runs training end to end and returns the summary that was written to <c>metrics.json</c>. On a rank other than 0
    /// of a data-parallel job (<c>--gpus N</c>, torchrun) it trains its share and returns null: rank 0 saves, evaluates
    /// and reports.
    /// </summary>
    public static RunSummary? Run(TrainSettings s)
    {
        var clock = Stopwatch.StartNew();
        var ml = new MLContext(seed: s.Seed);
        torch.Device device; // no CUDA for --device cuda: one line before any data is read
        try
        {
            device = TorchRuntime.Resolve(s.Device);
        }
        catch (TorchRuntimeException e)
        {
            throw new TorchRuntimeException($"--device {s.Device.ToString().ToLowerInvariant()}: {e.Message}", e);
        }

        var trainSet = DataFolder.LoadTrain(s.TrainFolder, "-d/--data");
        var testSet = s.TestFolder is null ? null : DataFolder.LoadTest(s.TestFolder, "test data (-d/--data or --test)", trainSet.Classes);
        var (trainRows, validationRows) = trainSet.Split(s.ValidationFraction, s.Seed);
        var config = ModelConfigFactory.Create(s, trainSet.Classes.Count);
        string description = Describe(config);
        AnsiConsole.MarkupLine($"Training [bold]{Markup.Escape(description)}[/]");
        AnsiConsole.MarkupLine(
            $"on {trainRows.Count} images of {trainSet.Classes.Count} classes from {Markup.Escape(trainSet.Source)}; {validationRows.Count} held out for validation");

        using var output = RankRole.WritesOutputs ? OutputFolder.Begin(s.OutputFolder) : null;
        try
        {
            return Train(s, ml, clock, trainSet, testSet, trainRows, validationRows, config, description, device.ToString(), output);
        }
        catch (OperationCanceledException e)
        {
            throw new RunInterruptedException(output?.InterruptedMessage ?? RankRole.InterruptedMessage, e);
        }
    }

    /// <summary>Environment variable for tests: <c>after-model</c> interrupts a run after the model is written and before the metrics are.</summary>
    public const string TestInterruptVariable = "VIT_SAMPLE_TEST_INTERRUPT";

    private static RunSummary? Train(TrainSettings s, MLContext ml, Stopwatch clock, LabeledImageSet trainSet, LabeledImageSet? testSet,
        LabeledImageSet trainRows, LabeledImageSet validationRows, DistrAttention.Vit.Model.VitConfig config,
        string description, string deviceName, OutputFolder? output)
    {
        var options = TrainerOptions(s, config);
        if (s.MeasureNormalization)
        {
            (options.NormalizationMean, options.NormalizationStd) = PixelStatistics.Measure(trainRows, config.Channels);
            AnsiConsole.MarkupLine($"pixel mean {string.Join("/", options.NormalizationMean.Select(v => v.ToString("F3")))}, " +
                $"std {string.Join("/", options.NormalizationStd.Select(v => v.ToString("F3")))} (measured on the training images)");
        }
        ITransformer model = null!;
        VitImageClassificationTransformer vit = null!;
        var trainClock = Stopwatch.StartNew();
        void Fit(ProgressContext? context)
        {
            options.Progress = output is null ? null : new TrainingProgressDisplay(context) { ExpectsValidation = validationRows.Count > 0 };
            (model, vit) = SamplePipeline.Fit(ml, trainRows, validationRows.Count > 0 ? validationRows : null, options);
        }
        // Live progress bars only on a terminal; a redirected log gets one line per epoch.
        if (AnsiConsole.Profile.Capabilities.Interactive)
            AnsiConsole.Progress()
                .AutoClear(false)
                .HideCompleted(true)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                    new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .Start(Fit);
        else
            Fit(null);
        double trainingSeconds = trainClock.Elapsed.TotalSeconds;
        if (output is null)
            return null; // a rank other than 0: the model (the same on every rank) is rank 0's to save

        // Everything goes to the staging folder first; Commit swaps it in, so the output folder is all new or all old.
        ModelFile.Save(ml, model, Path.Combine(output.Staging, ModelFile.DefaultName));
        if (Environment.GetEnvironmentVariable(TestInterruptVariable) == "after-model")
            throw new OperationCanceledException($"{TestInterruptVariable}=after-model");

        var classes = SamplePipeline.ClassNames(model, ModelFile.InputSchema(ml));
        var (evalRows, evalName) = testSet is not null ? (testSet, testSet.Source)
            : validationRows.Count > 0 ? (validationRows, "validation split (no test folder given)")
            : throw new DatasetException("Nothing to evaluate: give a test folder or a validation fraction above 0.");
        var report = Evaluator.Evaluate(ml, model, classes, evalRows);

        var epochs = vit.History.Epochs
            .Select(e => new EpochPoint(e.Epoch, e.TrainLoss, e.TrainAccuracy, null, e.ValidationAccuracy, e.Elapsed.TotalSeconds))
            .ToList();
        var summary = new RunSummary(description, s, trainRows.Count, validationRows.Count, epochs, trainingSeconds,
            clock.Elapsed.TotalSeconds, evalName, report, deviceName);
        WriteOutputs(output.Staging, summary);
        output.Commit();
        var modelPath = Path.Combine(s.OutputFolder, ModelFile.DefaultName);

        ConsoleReport.Write(report, $"Test set: {evalName}");
        AnsiConsole.MarkupLine($"Test accuracy [bold green]{report.Accuracy:P2}[/]; training {trainingSeconds:F1} s, total {clock.Elapsed.TotalSeconds:F1} s");
        AnsiConsole.MarkupLine($"Wrote {Markup.Escape(modelPath)}, {MetricsJson}, {MetricsMarkdown}, {ConfusionMatrixPng}, {TrainingCurvePng}");
        return summary;
    }

    /// <summary>Writes metrics.json, metrics.md and the two plots.</summary>
    public static void WriteOutputs(string folder, RunSummary summary)
    {
        MetricsWriter.WriteJson(Path.Combine(folder, MetricsJson), summary);
        File.WriteAllText(Path.Combine(folder, MetricsMarkdown), MetricsWriter.ToMarkdown(summary));
        if (!FontCheck.HasFonts())
            AnsiConsole.MarkupLine($"[yellow]warning:[/] {Markup.Escape(FontCheck.Warning)}");
        ConfusionMatrixPlot.Save(Path.Combine(folder, ConfusionMatrixPng), summary.Test.Classes, summary.Test.ConfusionMatrix,
            $"Confusion matrix — accuracy {summary.Test.Accuracy:P1}");
        if (summary.Epochs.Count > 0)
            TrainingCurvePlot.Save(Path.Combine(folder, TrainingCurvePng), summary.Epochs, $"Training — {summary.Model}");
    }

    private static VitImageClassificationTrainer.Options TrainerOptions(TrainSettings s, DistrAttention.Vit.Model.VitConfig config) => new()
    {
        LabelColumnName = SamplePipeline.Label,
        ImageColumnName = SamplePipeline.Image,
        ScoreColumnName = SamplePipeline.Score,
        PredictedLabelColumnName = SamplePipeline.PredictedLabel,
        Config = s.FineTuneFrom is null ? config : null,
        InitialModel = s.FineTuneFrom is { } from ? FineTuneSource.Load(from) : null,
        ImageSize = config.ImageSize,
        PatchSize = config.PatchSize,
        Channels = config.Channels,
        Attention = config.Attention,
        Epochs = s.Epochs,
        BatchSize = s.BatchSize,
        LearningRate = s.LearningRate,
        Device = s.Device,
        Precision = s.Precision,
        NumberOfThreads = s.Threads,
        Seed = s.Seed,
        HorizontalFlip = s.Augment,
        RandomCrop = s.Augment,
        RandomCropPadding = 2, // 4 px of a 28 px image loses too much of a garment
        LabelSmoothing = 0,    // measured without; the small model underfits rather than overconfides
        Initialization = s.Initialization,
        MaxGradNorm = s.MaxGradNorm,
        WarmupEpochs = s.WarmupEpochs,
    };

    private static string Describe(DistrAttention.Vit.Model.VitConfig c)
    {
        string attention = ModelAttention.Describe(c.Attention);
        return $"ViT width {c.EmbedDim}, depth {c.Depth}, {c.NumHeads} heads, patch {c.PatchSize} on {c.ImageSize}×{c.ImageSize}×{c.Channels}, {attention}";
    }
}
