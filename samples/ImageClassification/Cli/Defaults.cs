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
    /// Resolves <c>train</c>'s data folder: a folder holding <c>train/</c> and <c>test/</c> (like the embedded set)
    /// gives both splits; any other folder is the training set, with <paramref name="test"/> as the test set (or none).
    /// </summary>
    public static (string Train, string? Test) ResolveSplits(string? data, string? test)
    {
        string root = data ?? EmbeddedData.Root;
        string train = Path.Combine(root, "train"), testSplit = Path.Combine(root, "test");
        if (Directory.Exists(train) && Directory.Exists(testSplit))
            return (train, test ?? testSplit);
        return (root, test);
    }
}
