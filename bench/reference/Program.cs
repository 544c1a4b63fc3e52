// Prints a markdown table of DistrAttention reference output error vs exact attention,
// ‖O − O_exact‖ / ‖O_exact‖, over G × mode × l on Gaussian and uniform [0, 1) inputs (DESIGN.md §3).
using DistrAttention.Vit.Attention;
using DistrAttention.Vit.Runtime;
using static TorchSharp.torch;

TorchRuntime.EnsureInitialized();
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
                using var inner = NewDisposeScope();
                var options = new AttentionOptions { GroupSize = g, BlockSize = l, Mode = mode };
                var module = new DistrAttentionReference(options, D);
                var output = module.forward(q, k, v);
                double outputError = output.sub(exact).norm().item<float>() / exact.norm().item<float>();
                return $"{outputError:F4} / {ScoreError(q, k, module.Projection, options):F4}";
            });
            Console.WriteLine($"| {g} | {mode} | " + string.Join(" | ", cells) + " |");
        }
}

// ‖Q̂K̂ᵀ − QKᵀ‖ / ‖QKᵀ‖ over all blocks, using the reference's own permutations (steps 1-5 of §3).
static double ScoreError(Tensor q, Tensor k, Tensor r, AttentionOptions options)
{
    using var scope = NewDisposeScope();
    int l = options.BlockSize, g = options.GroupSize;
    long b = q.shape[0], h = q.shape[1], n = q.shape[2], d = q.shape[3], blocks = n / l;
    var sigma = DistrAttentionLsh.Permutations(q, r, l).unsqueeze(3);
    var grouped = q.reshape(b, h, blocks, l, d).take_along_dim(sigma, -1).reshape(b, h, blocks, l, d / g, g);
    var qHat = options.Mode == DistrAttentionMode.Mean ? grouped.mean([-1]) : grouped.select(-1, 0);
    var kHat = k.unsqueeze(2).take_along_dim(sigma, -1).reshape(b, h, blocks, n, d / g, g).sum(-1);
    var approximate = qHat.matmul(kHat.transpose(-1, -2)).reshape(b, h, n, n);
    var exact = q.matmul(k.transpose(-1, -2));
    return approximate.sub(exact).norm().item<float>() / exact.norm().item<float>();
}
