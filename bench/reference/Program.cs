// Prints markdown tables of DistrAttention reference error vs exact attention (docs/semantics.md):
// no arguments: Gaussian and uniform [0, 1) inputs over G × mode × l;
// --real <model.zip>: the q, k, v a trained ViT feeds its attention (see RealActivationReport).
using DistrAttention.Bench.Reference;
using DistrAttention.Vit.Attention;
using DistrAttention.Runtime;
using static TorchSharp.torch;

TorchRuntime.EnsureInitialized();
if (args.Length > 0)
{
    string? folder = null, png = null;
    int? limit = null;
    bool valid = args is ["--real", _, ..] && args.Length % 2 == 0;
    for (int i = 2; valid && i < args.Length; i += 2)
    {
        if (args[i] == "--images") folder = args[i + 1];
        else if (args[i] == "--count" && int.TryParse(args[i + 1], out int count) && count > 0) limit = count;
        else if (args[i] == "--png") png = args[i + 1];
        else valid = false;
    }
    if (!valid)
    {
        Console.Error.WriteLine("usage: [--real <pipeline model.zip> [--images <labelled test folder, or a folder of IDX files (its t10k split)>] " +
                                "[--count <at most this many images, > 0>] [--png <chart of the per-block error at the first l>]]");
        return 2;
    }
    RealActivationReport.Run(args[1], folder ?? RealActivationReport.DefaultTestImages, limit, png);
    return 0;
}

const int B = 2, H = 4, N = 256, D = 64;
int[] groups = [2, 4, 8, 16];
int[] blocks = [16, 32, 64, 128];
DistrAttentionMode[] modes = [DistrAttentionMode.Mean, DistrAttentionMode.Sample];

Console.WriteLine($"Cells: output relative error ‖O − O_exact‖/‖O_exact‖ / score relative error ‖Ŝ − S‖/‖S‖ (unscaled QKᵀ); B={B}, H={H}, N={N}, d={D}, fp32, CPU, default R seed.");
foreach (var (inputName, draw) in new (string, Func<Generator, Tensor>)[]
         {
             ("Gaussian N(0,1)", g => randn([B, H, N, D], generator: g)),
             ("uniform [0,1)", g => rand([B, H, N, D], generator: g)),
         })
{
    using var scope = NewDisposeScope();
    using var generator = new Generator(1234);
    var (q, k, v) = (draw(generator), draw(generator), draw(generator));
    var exact = new ExactAttention(AttentionOptions.Exact).forward(q, k, v);
    Console.WriteLine();
    Console.WriteLine($"### {inputName}");
    Console.WriteLine();
    Console.WriteLine("| G | mode | " + string.Join(" | ", blocks.Select(l => $"l={l}")) + " |");
    Console.WriteLine("|---|---|" + string.Concat(blocks.Select(_ => "---:|")));
    foreach (int g in groups)
        foreach (var mode in modes)
        {
            var cells = blocks.Select(l =>
            {
                var (output, score) = ApproximationError.Measure(q, k, v, exact,
                    new AttentionOptions { GroupSize = g, BlockSize = l, Mode = mode });
                return $"{output:F4} / {score:F4}";
            });
            Console.WriteLine($"| {g} | {mode} | " + string.Join(" | ", cells) + " |");
        }
}
return 0;
