using ImageClassification.Data;
using ImageClassification.Training;

namespace ImageClassification.Cli;

/// <summary>Default paths shared by the commands, so that <c>train</c> then <c>evaluate</c> then <c>predict</c> work with no options.</summary>
public static class Defaults
{
    /// <summary>Output folder of <c>train</c> (relative to the working directory; <c>out/</c> is git-ignored).</summary>
    public static string OutputFolder => Path.Combine("out", "vit-sample");

    /// <summary>Model file <c>evaluate</c> and <c>predict</c> read.</summary>
    public static string ModelPath => Path.Combine(OutputFolder, ModelFile.DefaultName);

    /// <summary>
    /// Resolves <c>train</c>'s data folder (default: the embedded IDX subset) with <see cref="DataFolder.Splits"/>:
    /// <c>train/</c> and <c>test/</c> image folders, or the <c>train-*</c> and <c>t10k-*</c> IDX files, give both splits;
    /// any other folder is the training set, with <paramref name="test"/> as the test set (or none).
    /// </summary>
    public static (string Train, string? Test) ResolveSplits(string? data, string? test) =>
        DataFolder.Splits(data ?? EmbeddedData.Root, test);
}
