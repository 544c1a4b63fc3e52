using System.Diagnostics;
using DistrAttention.Vit.Attention;
using static TorchSharp.torch;

namespace DistrAttention.Bench.Reference;

/// <summary>
/// The third kind of input of docs/semantics.md: the Q, K, V that a trained ViT feeds its attention. Loads the ViT of a
/// pipeline zip, runs the labelled test images through it with hooks on every block, and prints markdown: activation
/// statistics, output and score relative error per block (and their mean) over G × mode × l, and the test accuracy
/// of the model with its attention swapped without fine-tuning.
/// </summary>
internal static class RealActivationReport
{
    /// <summary>The embedded Fashion-MNIST subset (IDX files; its t10k split is read), relative to the repository root.</summary>
    public const string DefaultTestImages = "samples/ImageClassification/data/fashion-mnist-subset";

    private static readonly int[] Groups = [2, 4, 8, 16];

    // The LSH block sizes worth tabulating: the small sample model has N = 17 tokens, a ViT at scale ~197 (l >= 64 there).
    private static int[] BlockSizesFor(long tokens) => tokens <= 64 ? [16, 32, 64] : [64, 128];
    private static readonly DistrAttentionMode[] Modes = [DistrAttentionMode.Mean, DistrAttentionMode.Sample];

    /// <summary>Prints the report for <paramref name="pipelineZip"/> on the images under <paramref name="testFolder"/>;
    /// with <paramref name="png"/>, also writes the per-block output error at the first block size as a chart.</summary>
    public static void Run(string pipelineZip, string testFolder, int? limit = null, string? png = null)
    {
        var clock = Stopwatch.StartNew();
        var vit = SavedVitSegment.Read(pipelineZip);
        using var model = vit.LoadModel();
        var config = model.Config;
        var test = TestImages.Load(testFolder, vit, config.ImageSize, config.Channels, limit);
        var (blocks, logits) = ActivationCapture.Run(model, test.Images);
        var (pipelineAccuracy, difference) = PipelineCrossCheck.Run(pipelineZip, test, logits);
        var (b, h, n, d) = (blocks[0].Q.shape[0], blocks[0].Q.shape[1], blocks[0].Q.shape[2], blocks[0].Q.shape[3]);
        var trained = config.Attention;

        Console.WriteLine($"Model: `{pipelineZip}`: ViT width {config.EmbedDim}, depth {config.Depth}, {config.NumHeads} heads, " +
                          $"patch {config.PatchSize} on {config.ImageSize}×{config.ImageSize}×{config.Channels}, trained with " +
                          $"{Describe(trained)} (seed {trained.Seed}).  ");
        Console.WriteLine($"Inputs: {b} test images (`{testFolder}`, {(limit is null ? "all of them" : $"at most {limit}")}), preprocessed like the trainer; " +
                          $"Q, K, V captured at each block's attention seam while the model runs with its trained attention: " +
                          $"[{b}, {h}, {n}, {d}] per block (N = {n} tokens: {n - 1} patches + class token; d = {d}).  ");
        var blockSizes = BlockSizesFor(n);
        Console.WriteLine($"Cross-check: the saved ML.NET pipeline (`LoadWithVit`) scores {pipelineAccuracy:P2} on the same images; " +
                          $"its probabilities differ from the bench's forward pass by at most {difference:E1}.");

        Console.WriteLine();
        Console.WriteLine("Common-mode share ‖m1ᵀ‖²/‖X‖² (m: each token's mean over the d columns; isotropic Gaussian ≈ 1/d = " +
                          $"{1.0 / d:F3}, uniform [0,1) ≈ 0.75):");
        Console.WriteLine();
        Console.WriteLine("| block | Q | K |");
        Console.WriteLine("|---:|---:|---:|");
        for (int i = 0; i < blocks.Count; i++)
            Console.WriteLine($"| {i} | {ActivationStatistics.CommonModeShare(blocks[i].Q):F3} | {ActivationStatistics.CommonModeShare(blocks[i].K):F3} |");

        var errors = MeasureAll(blocks, blockSizes);
        PrintMeanTable(errors, blocks.Count, blockSizes);
        PrintSameShapeBaseline(errors, blocks.Count, blocks[0].Q.shape, blockSizes[0]);
        foreach (int l in blockSizes)
            PrintPerBlockTable(errors, blocks.Count, l);
        if (png is not null)
            RealActivationPlot.Save(png, errors, blocks.Count, blockSizes[0], Groups,
                $"Model {Path.GetFileNameWithoutExtension(pipelineZip)} ({Describe(trained)}): l = {blockSizes[0]}, N = {n}, d = {d}");
        PrintAccuracy(vit, test, trained, pipelineAccuracy, SwappedAttentionAccuracy.FromLogits(logits, test), blockSizes);
        Console.Error.WriteLine($"done in {clock.Elapsed.TotalSeconds:F1} s");
    }

    // errors[(block, G, mode, l)] = (output, score); exact attention is computed once per block.
    private static Dictionary<(int Block, int G, DistrAttentionMode Mode, int L), (double Output, double Score)> MeasureAll(
        IReadOnlyList<(Tensor Q, Tensor K, Tensor V)> blocks, int[] blockSizes)
    {
        var errors = new Dictionary<(int, int, DistrAttentionMode, int), (double, double)>();
        for (int i = 0; i < blocks.Count; i++)
        {
            var (q, k, v) = blocks[i];
            using var exactModule = new ExactAttention(AttentionOptions.Exact);
            using var exact = exactModule.forward(q, k, v);
            foreach (int g in Groups)
                foreach (var mode in Modes)
                    foreach (int l in blockSizes)
                        errors[(i, g, mode, l)] = ApproximationError.Measure(q, k, v, exact, new AttentionOptions
                        {
                            GroupSize = g, BlockSize = l, Mode = mode, Implementation = AttentionImplementation.Reference,
                        });
        }
        return errors;
    }

    private static void PrintMeanTable(
        Dictionary<(int Block, int G, DistrAttentionMode Mode, int L), (double Output, double Score)> errors, int blockCount,
        int[] blockSizes)
    {
        Console.WriteLine();
        Console.WriteLine($"#### Mean over the {blockCount} blocks (output / score relative error)");
        Console.WriteLine();
        Console.WriteLine("| G | mode | " + string.Join(" | ", blockSizes.Select(l => $"l={l}")) + " |");
        Console.WriteLine("|---|---|" + string.Concat(blockSizes.Select(_ => "---:|")));
        foreach (int g in Groups)
            foreach (var mode in Modes)
                Console.WriteLine($"| {g} | {mode} | " + string.Join(" | ",
                    blockSizes.Select(l => Cell(Mean(errors, blockCount, g, mode, l)))) + " |");
    }

    // The synthetic tables use N = 256, d = 64; this puts Gaussian and uniform inputs of the real shape beside the real ones.
    private static void PrintSameShapeBaseline(
        Dictionary<(int Block, int G, DistrAttentionMode Mode, int L), (double Output, double Score)> errors, int blockCount,
        long[] shape, int l)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(1234);
        var synthetic = new (string Name, Func<Tensor> Draw)[]
        {
            ("Gaussian N(0,1)", () => randn(shape, generator: generator)),
            ("uniform [0,1)", () => rand(shape, generator: generator)),
        }.Select(s =>
        {
            var (q, k, v) = (s.Draw(), s.Draw(), s.Draw());
            using var exactModule = new ExactAttention(AttentionOptions.Exact);
            var exact = exactModule.forward(q, k, v);
            return (s.Name, Q: q, K: k, V: v, Exact: exact);
        }).ToList();
        Console.WriteLine();
        Console.WriteLine($"#### Same shape [{string.Join(", ", shape)}], l = {l}: real (mean over blocks) vs synthetic (output / score relative error)");
        Console.WriteLine();
        Console.WriteLine("| G | mode | real activations | " + string.Join(" | ", synthetic.Select(s => s.Name)) + " |");
        Console.WriteLine("|---|---|---:|" + string.Concat(synthetic.Select(_ => "---:|")));
        foreach (int g in Groups)
            foreach (var mode in Modes)
            {
                var options = new AttentionOptions
                {
                    GroupSize = g, BlockSize = l, Mode = mode, Implementation = AttentionImplementation.Reference,
                };
                Console.WriteLine($"| {g} | {mode} | {Cell(Mean(errors, blockCount, g, mode, l))} | " + string.Join(" | ",
                    synthetic.Select(s => Cell(ApproximationError.Measure(s.Q, s.K, s.V, s.Exact, options)))) + " |");
            }
    }

    private static void PrintPerBlockTable(
        Dictionary<(int Block, int G, DistrAttentionMode Mode, int L), (double Output, double Score)> errors, int blockCount, int l)
    {
        var columns = Enumerable.Range(0, blockCount).ToList();
        Console.WriteLine();
        Console.WriteLine($"#### Per block, l = {l} (output / score relative error)");
        Console.WriteLine();
        Console.WriteLine("| G | mode | " + string.Join(" | ", columns.Select(i => $"block {i}")) + " | mean |");
        Console.WriteLine("|---|---|" + string.Concat(columns.Select(_ => "---:|")) + "---:|");
        foreach (int g in Groups)
            foreach (var mode in Modes)
                Console.WriteLine($"| {g} | {mode} | " + string.Join(" | ", columns.Select(i => Cell(errors[(i, g, mode, l)])))
                                  + $" | {Cell(Mean(errors, blockCount, g, mode, l))} |");
    }

    private static void PrintAccuracy(SavedVitSegment vit, TestImages test, AttentionOptions trained,
        double pipelineAccuracy, double hookedAccuracy, int[] blockSizes)
    {
        Console.WriteLine();
        Console.WriteLine($"#### Test accuracy with the attention swapped (no fine-tuning; {test.Labels.Count} images)");
        Console.WriteLine();
        Console.WriteLine("| attention | accuracy |");
        Console.WriteLine("|---|---:|");
        Console.WriteLine($"| as trained ({Describe(trained)}), ML.NET pipeline | {pipelineAccuracy:P2} |");
        Console.WriteLine($"| as trained, bench forward pass (hooked) | {hookedAccuracy:P2} |");
        using var model = vit.LoadModel();
        var swaps = new List<AttentionOptions> { AttentionOptions.Exact };
        foreach (var (l, mode) in new[] { (blockSizes[0], DistrAttentionMode.Mean), (blockSizes[^1], DistrAttentionMode.Mean),
                                          (blockSizes[0], DistrAttentionMode.Sample) })
            foreach (int g in new[] { 2, 4, 8 })
                swaps.Add(trained with { Kind = AttentionKind.DistrAttention, GroupSize = g, BlockSize = l, Mode = mode,
                    Implementation = AttentionImplementation.Reference });
        foreach (var options in swaps)
            Console.WriteLine($"| {Describe(options)} | {SwappedAttentionAccuracy.Measure(model, options, test):P2} |");
    }

    private static (double Output, double Score) Mean(
        Dictionary<(int Block, int G, DistrAttentionMode Mode, int L), (double Output, double Score)> errors,
        int blockCount, int g, DistrAttentionMode mode, int l)
    {
        var cells = Enumerable.Range(0, blockCount).Select(i => errors[(i, g, mode, l)]).ToList();
        return (cells.Average(c => c.Output), cells.Average(c => c.Score));
    }

    private static string Cell((double Output, double Score) e) => $"{e.Output:F4} / {e.Score:F4}";

    private static string Describe(AttentionOptions o) =>
        o.Kind == AttentionKind.Exact ? "Exact" : $"DistrAttention G={o.GroupSize} l={o.BlockSize} {o.Mode}";
}
