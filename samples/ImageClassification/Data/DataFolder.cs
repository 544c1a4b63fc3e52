namespace ImageClassification.Data;

/// <summary>
/// What a command's data folder holds, and its splits: either image folders (<c>&lt;class&gt;/*.png</c>, or
/// <c>train/</c> and <c>test/</c> of them) or IDX files (<c>train-*</c> for training, <c>t10k-*</c> for testing,
/// gzip or raw), read directly into memory.
/// </summary>
public static class DataFolder
{
    /// <summary>Sub-folder names of a root that holds both splits as image folders.</summary>
    public const string TrainFolder = "train", TestFolder = "test";

    /// <summary>Whether <paramref name="folder"/> holds IDX files of either split.</summary>
    public static bool HoldsIdx(string folder) => Directory.Exists(folder) && IdxSplit.AnyIn(folder);

    /// <summary>
    /// The training and test data of a root: a folder of IDX files gives itself for both (for testing only when it
    /// holds the <c>t10k</c> split); else a folder with <c>train/</c> and <c>test/</c> gives both; any other folder is
    /// the training set. An explicit <paramref name="test"/> wins. IDX files come first, so a folder holding both
    /// (e.g. a build output with PNG folders left from an older build) reads the IDX files.
    /// </summary>
    public static (string Train, string? Test) Splits(string root, string? test)
    {
        if (HoldsIdx(root))
            return (root, test ?? (IdxSplit.Exists(root, IdxSplit.TestPrefix) ? root : null));
        string train = Path.Combine(root, TrainFolder), testSplit = Path.Combine(root, TestFolder);
        if (Directory.Exists(train) && Directory.Exists(testSplit))
            return (train, test ?? testSplit);
        return (root, test);
    }

    /// <summary>The test data of a root: the root itself when it holds IDX files, its <c>test/</c> image folder when it
    /// has <c>train/</c> and <c>test/</c>, else the root.</summary>
    public static string TestSplit(string root)
    {
        string testSplit = Path.Combine(root, TestFolder);
        return !HoldsIdx(root) && Directory.Exists(Path.Combine(root, TrainFolder)) && Directory.Exists(testSplit) ? testSplit : root;
    }

    /// <summary>Loads the training data (<c>train-*</c> of an IDX folder).</summary>
    /// <inheritdoc cref="Load"/>
    public static LabeledImageSet LoadTrain(string folder, string argument, bool verifyImages = true) =>
        Load(folder, IdxSplit.TrainPrefix, argument, null, verifyImages);

    /// <summary>Loads the test data (<c>t10k-*</c> of an IDX folder), whose classes must be the model's.</summary>
    /// <inheritdoc cref="Load"/>
    public static LabeledImageSet LoadTest(string folder, string argument, IReadOnlyCollection<string>? knownClasses) =>
        Load(folder, IdxSplit.TestPrefix, argument, knownClasses, verifyImages: true);

    /// <summary>Loads an image folder, or the split <paramref name="idxPrefix"/> of an IDX folder.</summary>
    /// <param name="folder">The folder.</param>
    /// <param name="idxPrefix">Which IDX split to read when the folder holds IDX files.</param>
    /// <param name="argument">The option that named the folder (e.g. <c>-d/--data</c>); every message starts with it.</param>
    /// <param name="knownClasses">When given, every class must be one of these.</param>
    /// <param name="verifyImages">Decode every image file once before use (image folders).</param>
    /// <exception cref="DatasetException">The folder is missing, holds neither class folders nor IDX files, lacks the
    /// split, or its images or classes cannot be used; the message names <paramref name="argument"/>.</exception>
    public static LabeledImageSet Load(string folder, string idxPrefix, string argument,
        IReadOnlyCollection<string>? knownClasses, bool verifyImages)
    {
        string full = Path.GetFullPath(folder);
        try
        {
            if (HoldsIdx(full))
                return IdxSplit.Exists(full, idxPrefix)
                    ? IdxImageSet.Load(full, idxPrefix, knownClasses)
                    : throw new DatasetException($"'{full}' holds IDX files but not {IdxSplit.ImagesName(idxPrefix)}[.gz].");
            if (Directory.Exists(full) && Directory.GetDirectories(full).Length == 0)
                throw new DatasetException(
                    $"'{full}' holds neither class sub-folders of images (<class>/*.png) nor IDX files " +
                    $"({IdxSplit.ImagesName(IdxSplit.TrainPrefix)}[.gz], {IdxSplit.ImagesName(IdxSplit.TestPrefix)}[.gz] and their labels files).");
            return ImageFolderDataset.Load(full, knownClasses, verifyImages);
        }
        catch (DatasetException e)
        {
            throw new DatasetException($"{argument}: {e.Message}", e);
        }
    }
}
