using System.Text.Json;
using ImageClassification.Benchmark;
using ImageClassification.Cli;

namespace DistrAttention.Tests.Sample;

/// <summary><c>vit-sample benchmark</c> (inference): several block sizes side by side in one run, on the CPU.</summary>
public sealed class InferenceBenchmarkTests
{
    public InferenceBenchmarkTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void EveryGroupSizeRunsWithEveryBlockSizeAndTheTableNamesL()
    {
        using var temp = new TempFolder();
        // 64 px, patch 8: N = 65 tokens, so l = 16 and 32 make different query blocks.
        Assert.Equal(0, VitSampleCli.Run("benchmark", "--device", "cpu", "--models", "w32d1h2", "--image-sizes", "64",
            "--patch-size", "8", "--batch", "2", "--groups", "2,4", "--block-size", "16,32", "--warmup", "1",
            "--repetitions", "2", "--rounds", "2", "--classes", "10", "--output", temp.Path));

        string markdown = File.ReadAllText(temp.Combine("vit-bench.md"));
        Assert.Contains("l = 16 and 32", markdown);
        Assert.Contains("| attention | G | l |", markdown);
        Assert.Contains("interleaved in 2 rounds", markdown);
        Assert.Contains("then 1 timed runs), median of 2 timed runs in all", markdown);
        // Columns: model, px, N, attention, G, l, images/s, vs Exact, rounds, attention ms/layer, vs Exact, note.
        var rows = markdown.Split('\n').Where(line => line.StartsWith("| w32d1h2 |"))
            .Select(line => line.Split('|', StringSplitOptions.TrimEntries)[1..^1]).ToList();
        Assert.Equal(1 + 2 * 2 * 2, rows.Count); // Exact, then Reference and Native for each (G, l)
        Assert.Equal(["Exact", "1", "–"], rows[0][3..6]);
        foreach (string g in new[] { "2", "4" })
            foreach (string l in new[] { "16", "32" })
            {
                // The reference runs on the CPU and is timed; the native kernel needs CUDA and says so.
                var reference = Assert.Single(rows, r => r[3..6].SequenceEqual(["Reference", g, l]));
                Assert.True(double.Parse(reference[6], System.Globalization.CultureInfo.InvariantCulture) > 0, string.Join(" | ", reference));
                Assert.Equal("", reference[11]);
                // two rounds of one timed run each, paired with Exact's: "lowest–highest" ratio
                Assert.Matches(@"^\d+\.\d{3}–\d+\.\d{3}$", reference[8]);
                var native = Assert.Single(rows, r => r[3..6].SequenceEqual(["Native", g, l]));
                Assert.Equal("–", native[6]);
                Assert.Contains("needs CUDA", native[11]);
            }
        Assert.True(File.Exists(temp.Combine("vit-bench.png")));
        using var json = JsonDocument.Parse(File.ReadAllText(temp.Combine("vit-bench.json")));
        Assert.Equal([16, 32], json.RootElement.GetProperty("blockSizes").EnumerateArray().Select(e => e.GetInt32()));
        var jsonRows = json.RootElement.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(rows.Count, jsonRows.Count);
        Assert.Equal(JsonValueKind.Null, jsonRows.First(r => r.GetProperty("attention").GetString() == "Native").GetProperty("imagesPerSecond").ValueKind);
        Assert.Equal([0, 16, 16, 32, 32, 16, 16, 32, 32], jsonRows.Select(r => r.GetProperty("blockSize").GetInt32()));
        Assert.Equal(2, jsonRows[0].GetProperty("roundImagesPerSecond").GetArrayLength());
    }

    [Theory]
    [InlineData("--train", "16,32", "--train takes one value, got '16,32'")]
    [InlineData(null, "16,x", "--block-size expects positive integers, got 'x'")]
    [InlineData(null, ",", "--block-size expects at least one value")]
    public void BadBlockSizesNameTheFlag(string? train, string blockSizes, string expected)
    {
        Assert.Contains(expected, Assert.Throws<ArgumentException>(() =>
            train is null ? BenchmarkCommand.BlockSizes(blockSizes) : [BenchmarkCommand.SingleBlockSize(blockSizes)]).Message);
    }
}
