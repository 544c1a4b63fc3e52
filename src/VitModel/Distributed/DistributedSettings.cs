using System.Globalization;

namespace DistrAttention.Vit.Distributed;

/// <summary>
/// Where this process sits in a data-parallel job, as <c>torchrun</c> (and <c>vit-sample train --gpus N</c>) describe it
/// in environment variables: <c>RANK</c>, <c>WORLD_SIZE</c>, <c>LOCAL_RANK</c> (the GPU index on this host),
/// <c>MASTER_ADDR</c> and <c>MASTER_PORT</c> (where rank 0 serves the NCCL id, see <see cref="Rendezvous"/>).
/// </summary>
public sealed record DistributedSettings
{
    /// <summary>Names of the environment variables, as torchrun sets them.</summary>
    public const string RankVariable = "RANK", WorldSizeVariable = "WORLD_SIZE", LocalRankVariable = "LOCAL_RANK",
        MasterAddressVariable = "MASTER_ADDR", MasterPortVariable = "MASTER_PORT";

    /// <summary>Optional environment variable: the rendezvous timeout in seconds (default 300).</summary>
    public const string TimeoutVariable = "DISTRATTENTION_RENDEZVOUS_TIMEOUT";

    /// <summary>Optional environment variable: the rendezvous port, instead of <c>MASTER_PORT</c> (or its successor under torchrun).</summary>
    public const string PortVariable = "DISTRATTENTION_RENDEZVOUS_PORT";

    /// <summary>Set to <c>True</c> by torchrun when its agent hosts PyTorch's TCPStore on <c>MASTER_PORT</c>.</summary>
    public const string AgentStoreVariable = "TORCHELASTIC_USE_AGENT_STORE";

    /// <summary>This process's rank in [0, <see cref="WorldSize"/>); rank 0 serves the NCCL id and writes the model.</summary>
    public required int Rank { get; init; }

    /// <summary>Number of processes (one per GPU).</summary>
    public required int WorldSize { get; init; }

    /// <summary>The rank on this host: the index of the CUDA device this process uses.</summary>
    public required int LocalRank { get; init; }

    /// <summary>Host name or address of rank 0.</summary>
    public required string MasterAddress { get; init; }

    /// <summary>
    /// TCP port rank 0 listens on for the rendezvous: <c>MASTER_PORT</c>; under torchrun, whose agent already serves
    /// PyTorch's store there (<c>TORCHELASTIC_USE_AGENT_STORE=True</c>), <c>MASTER_PORT</c> + 1; or
    /// <c>DISTRATTENTION_RENDEZVOUS_PORT</c> when set.
    /// </summary>
    public required int MasterPort { get; init; }

    /// <summary>How long the rendezvous waits for the other ranks (default 5 minutes).</summary>
    public TimeSpan RendezvousTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The settings of this process's environment, or null when <c>WORLD_SIZE</c> is not set (not a distributed job).
    /// </summary>
    /// <exception cref="ArgumentException">A variable is missing or malformed; the exception names it.</exception>
    public static DistributedSettings? FromEnvironment() => Parse(Environment.GetEnvironmentVariable);

    /// <summary>
    /// Reads the settings through <paramref name="variable"/> (a name → value lookup, e.g.
    /// <see cref="Environment.GetEnvironmentVariable(string)"/>); null when <c>WORLD_SIZE</c> is unset or empty.
    /// </summary>
    /// <exception cref="ArgumentException">A variable is missing or malformed; <see cref="ArgumentException.ParamName"/> is its name.</exception>
    public static DistributedSettings? Parse(Func<string, string?> variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        string? world = variable(WorldSizeVariable);
        if (string.IsNullOrWhiteSpace(world)) return null;
        int worldSize = Integer(WorldSizeVariable, world, 1, int.MaxValue);
        string[] required = [RankVariable, LocalRankVariable, MasterAddressVariable, MasterPortVariable];
        var missing = required.Where(name => string.IsNullOrWhiteSpace(variable(name))).ToList();
        if (missing.Count > 0)
            throw new ArgumentException(
                $"{WorldSizeVariable} is {worldSize}, so this is a distributed job, but {string.Join(", ", missing)} " +
                $"{(missing.Count == 1 ? "is" : "are")} not set: a data-parallel rank needs {string.Join(", ", required)} and " +
                $"{WorldSizeVariable}, as torchrun or `vit-sample train --gpus N` set them.", missing[0]);
        var timeout = TimeSpan.FromMinutes(5);
        if (variable(TimeoutVariable) is { Length: > 0 } seconds)
            timeout = TimeSpan.FromSeconds(Integer(TimeoutVariable, seconds, 1, 86_400));
        var settings = new DistributedSettings
        {
            WorldSize = worldSize,
            Rank = Integer(RankVariable, variable(RankVariable)!, 0, worldSize - 1, $" (below {WorldSizeVariable} = {worldSize})"),
            LocalRank = Integer(LocalRankVariable, variable(LocalRankVariable)!, 0, worldSize - 1, $" (below {WorldSizeVariable} = {worldSize})"),
            MasterAddress = variable(MasterAddressVariable)!.Trim(),
            MasterPort = variable(PortVariable) is { Length: > 0 } port ? Integer(PortVariable, port, 1, 65535)
                : Integer(MasterPortVariable, variable(MasterPortVariable)!, 1, 65535) + (variable(AgentStoreVariable) == "True" ? 1 : 0),
            RendezvousTimeout = timeout,
        };
        return settings;
    }

    /// <summary>Checks the values (for settings built in code); the exception names the property.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        if (WorldSize < 1)
            throw new ArgumentOutOfRangeException(nameof(WorldSize), WorldSize, "WorldSize must be at least 1.");
        if (Rank < 0 || Rank >= WorldSize)
            throw new ArgumentOutOfRangeException(nameof(Rank), Rank, $"Rank must be in [0, WorldSize = {WorldSize}).");
        if (LocalRank < 0 || LocalRank >= WorldSize)
            throw new ArgumentOutOfRangeException(nameof(LocalRank), LocalRank, $"LocalRank must be in [0, WorldSize = {WorldSize}).");
        if (string.IsNullOrWhiteSpace(MasterAddress))
            throw new ArgumentException("MasterAddress must name rank 0's host.", nameof(MasterAddress));
        if (MasterPort is < 1 or > 65535)
            throw new ArgumentOutOfRangeException(nameof(MasterPort), MasterPort, "MasterPort must be in [1, 65535].");
        if (RendezvousTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(RendezvousTimeout), RendezvousTimeout, "RendezvousTimeout must be positive.");
    }

    private static int Integer(string name, string text, int min, int max, string rangeNote = "")
    {
        if (!int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
            throw new ArgumentException($"Environment variable {name} must be an integer; got '{text}'.", name);
        if (value < min || value > max)
            throw new ArgumentException(
                $"Environment variable {name} must be in [{min}, {max}]{rangeNote}; got {value}.", name);
        return value;
    }
}
