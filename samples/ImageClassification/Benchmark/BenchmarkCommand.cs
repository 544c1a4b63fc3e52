using System.CommandLine;
using DistrAttention.Vit.Runtime;
using ImageClassification.Cli;
using Spectre.Console;
using TorchSharp;

namespace ImageClassification.Benchmark;

/// <summary><c>benchmark</c>: ViT images/s and attention time per layer, Exact vs DistrAttention reference vs native.</summary>
public static class BenchmarkCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var device = new Option<ComputeDevice>("--device") { Description = "auto, cpu or cuda.", DefaultValueFactory = _ => ComputeDevice.Auto };
        var dtype = new Option<string>("--dtype") { Description = "float16, bfloat16 or float32 (default: float16 on CUDA, float32 on the CPU)." };
        var models = new Option<string>("--models") { Description = "Comma-separated: tiny, small, base.", DefaultValueFactory = _ => "tiny,small,base" };
        var sizes = new Option<string>("--image-sizes") { Description = "Comma-separated image sizes (224 → N = 197, 384 → N = 577).", DefaultValueFactory = _ => "224,384" };
        var groups = new Option<string>("--groups") { Description = "Comma-separated DistrAttention group sizes G.", DefaultValueFactory = _ => "2,4" };
        var block = new Option<int>("--block-size") { Description = "DistrAttention query block l.", DefaultValueFactory = _ => 64 };
        var batch = new Option<int>("--batch") { Description = "Images per forward.", DefaultValueFactory = _ => 64 };
        var warmup = new Option<int>("--warmup") { Description = "Warm-up runs per measurement.", DefaultValueFactory = _ => 3 };
        var reps = new Option<int>("--repetitions") { Description = "Timed runs per measurement (the median is reported).", DefaultValueFactory = _ => 20 };
        var output = new Option<DirectoryInfo>("--output", "-o") { Description = "Folder for vit-bench.md and vit-bench.png.", DefaultValueFactory = _ => new DirectoryInfo("bench-results") };
        var noReference = new Option<bool>("--skip-reference") { Description = "Do not time the (slow) DistrAttention reference." };

        var command = new Command("benchmark", "Measure ViT inference speed with Exact, DistrAttention reference and native attention.")
        {
            device, dtype, models, sizes, groups, block, batch, warmup, reps, output, noReference,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var torchDevice = TorchRuntime.Resolve(parse.GetValue(device));
            var scalar = ParseDType(parse.GetValue(dtype), torchDevice);
            var settings = new BenchmarkSettings(torchDevice, scalar,
                Split(parse.GetValue(models)!), Split(parse.GetValue(sizes)!).Select(int.Parse).ToList(),
                Split(parse.GetValue(groups)!).Select(int.Parse).ToList(), parse.GetValue(block), parse.GetValue(batch),
                parse.GetValue(warmup), parse.GetValue(reps), parse.GetValue(output)!.FullName, parse.GetValue(noReference));
            Directory.CreateDirectory(settings.OutputDirectory);
            string deviceText = torchDevice.type == DeviceType.CUDA ? "CUDA" : "CPU";
            var rows = VitBenchmark.Run(settings, r => AnsiConsole.MarkupLine(Markup.Escape(
                $"{r.Model} {r.ImageSize}px N={r.Tokens} {r.Attention} G={r.GroupSize}: {r.ImagesPerSecond:F1} images/s, attention {r.AttentionMs:F3} ms/layer {r.Note}")));
            string markdown = BenchmarkReport.Markdown(rows, settings, deviceText);
            File.WriteAllText(Path.Combine(settings.OutputDirectory, "vit-bench.md"), markdown);
            BenchmarkReport.Png(Path.Combine(settings.OutputDirectory, "vit-bench.png"), rows, $"ViT inference, batch {settings.Batch}, {scalar}, {deviceText}");
            Console.WriteLine(markdown);
        }));
        return command;
    }

    private static List<string> Split(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private static torch.ScalarType ParseDType(string? text, torch.Device device) => (text ?? "").ToLowerInvariant() switch
    {
        "" => device.type == DeviceType.CUDA ? torch.ScalarType.Float16 : torch.ScalarType.Float32,
        "float16" or "fp16" or "half" => torch.ScalarType.Float16,
        "bfloat16" or "bf16" => torch.ScalarType.BFloat16,
        "float32" or "fp32" => torch.ScalarType.Float32,
        _ => throw new ArgumentException($"--dtype must be float16, bfloat16 or float32, got '{text}'."),
    };
}
