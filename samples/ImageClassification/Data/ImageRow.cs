namespace ImageClassification.Data;

/// <summary>One labelled image file: the input row of the ML.NET pipeline.</summary>
public sealed class ImageRow
{
    /// <summary>Full path of the image file.</summary>
    public string ImagePath { get; set; } = "";

    /// <summary>Class name (the image's folder name).</summary>
    public string Label { get; set; } = "";
}
