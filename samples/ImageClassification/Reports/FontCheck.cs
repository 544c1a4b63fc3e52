using SkiaSharp;

namespace ImageClassification.Reports;

/// <summary>
/// ScottPlot draws text with the system's fonts; on a host with none (a bare Debian container) plots come out
/// with no labels and no error. This check lets the CLI say so.
/// </summary>
public static class FontCheck
{
    /// <summary>True when SkiaSharp's default typeface has glyphs.</summary>
    /// <remarks>Without fonts SkiaSharp still reports one (empty) family, so the family count cannot tell.</remarks>
    public static bool HasFonts() => SKTypeface.Default.GlyphCount > 0; // a shared instance: not disposed

    /// <summary>The warning to print when <see cref="HasFonts"/> is false.</summary>
    public const string Warning =
        "No fonts found: plot labels will be blank. On Debian/Ubuntu install one, e.g. apt-get install fonts-dejavu-core.";
}
