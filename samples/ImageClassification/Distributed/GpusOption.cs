using System.CommandLine;
using DistrAttention.Vit.Distributed;
using DistrAttention.Runtime;
using ImageClassification.Cli;
using ImageClassification.Training;

namespace ImageClassification.Distributed;

/// <summary>
/// <c>train --gpus N</c>: with N above 1 this process trains nothing itself; it starts N copies of its own command line
/// (without <c>--gpus</c>), one per GPU, as the ranks of a data-parallel job (see <see cref="RankLauncher"/>), and exits
/// with their result. N = 1 (the default) trains in this process as before.
/// </summary>
public sealed class GpusOption
{
    private readonly Option<int> option = new("--gpus")
    {
        Description = "Train data-parallel on this many GPUs of this host, one process each (NCCL); -b is per GPU.",
        DefaultValueFactory = _ => 1,
    };

    /// <summary>The option's name.</summary>
    public const string Name = "--gpus";

    /// <summary>Adds the option to <paramref name="command"/>.</summary>
    public void AddTo(Command command) => command.Options.Add(option);

    /// <summary>
    /// Reads and checks the settings (<paramref name="read"/>), then trains in this process (<paramref name="train"/>)
    /// or, for <c>--gpus</c> above 1, launches the ranks. Errors print one line (<see cref="CommandRunner"/>).
    /// </summary>
    /// <returns>The exit code: this process's, or that of the first rank that failed.</returns>
    public int Run(ParseResult parse, Func<TrainSettings> read, Action<TrainSettings> train)
    {
        int? ranks = null;
        int code = CommandRunner.Run(() =>
        {
            var settings = read();
            int gpus = parse.GetValue(option);
            if (gpus < 1)
                throw new UsageException($"{Name} must be at least 1 (got {gpus})");
            if (gpus == 1)
            {
                train(settings);
                return;
            }
            CheckCanLaunch(gpus, settings.Device);
            ranks = RankLauncher.Launch(gpus, Environment.ProcessPath!, Environment.GetCommandLineArgs());
        });
        return ranks ?? code;
    }

    /// <summary>Why this process cannot start <paramref name="gpus"/> ranks, as an exception naming the flag.</summary>
    /// <exception cref="UsageException">Already a rank, --device cpu, or fewer GPUs than asked for.</exception>
    /// <exception cref="TorchRuntimeException">CUDA is not available.</exception>
    public static void CheckCanLaunch(int gpus, ComputeDevice device)
    {
        if (Environment.GetEnvironmentVariable(DistributedSettings.WorldSizeVariable) is { Length: > 0 } world)
            throw new UsageException(
                $"{Name} starts the ranks itself, but this process already is one ({DistributedSettings.WorldSizeVariable}={world}, e.g. under torchrun): drop {Name}");
        if (device == ComputeDevice.Cpu)
            throw new UsageException($"{Name} {gpus} trains one process per GPU; it cannot be combined with --device cpu");
        if (!TorchRuntime.CudaAvailable)
            throw new TorchRuntimeException($"{Name} {gpus}: CUDA is not available in this process (no GPU or no CUDA libtorch: set {TorchRuntime.LibTorchEnvironmentVariable}).");
        int visible = TorchSharp.torch.cuda.device_count();
        if (visible < gpus)
            throw new UsageException($"{Name} {gpus}, but {visible} CUDA device(s) are visible");
    }
}
