using ImageClassification.Data;

namespace DistrAttention.Tests.Sample;

/// <summary>Small IDX files (raw or gzip) for the importer and data set tests.</summary>
internal static class IdxFiles
{
    public const int Side = 28;

    public static void Write(string path, int[] dims, byte[] data, bool gzip) => IdxWriter.Write(path, dims, data, gzip);

    /// <summary>
    /// <c>&lt;temp&gt;/idx</c> with 12 training images labelled 0..9, 0, 1 (gzip) and, unless <paramref name="withTest"/>
    /// is false, 4 test images labelled 3, 3, 3, 5 (raw); 28×28 <see cref="Pattern"/> images.
    /// </summary>
    public static string WriteFolder(TempFolder temp, bool withTest = true)
    {
        var idx = temp.Combine("idx");
        Directory.CreateDirectory(idx);
        Write(Path.Combine(idx, "train-images-idx3-ubyte.gz"), [12, Side, Side], Pattern(12, Side, Side), gzip: true);
        Write(Path.Combine(idx, "train-labels-idx1-ubyte.gz"), [12], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1], gzip: true);
        if (withTest)
        {
            Write(Path.Combine(idx, "t10k-images-idx3-ubyte"), [4, Side, Side], Pattern(4, Side, Side), gzip: false);
            Write(Path.Combine(idx, "t10k-labels-idx1-ubyte"), [4], [3, 3, 3, 5], gzip: false);
        }
        return idx;
    }

    /// <summary>Images whose pixel (r, c) of item i is (i * 7 + r * 3 + c) mod 256, so every item differs.</summary>
    public static byte[] Pattern(int count, int rows, int cols)
    {
        var data = new byte[count * rows * cols];
        for (int i = 0; i < count; i++)
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                    data[(i * rows + r) * cols + c] = (byte)((i * 7 + r * 3 + c) % 256);
        return data;
    }
}
