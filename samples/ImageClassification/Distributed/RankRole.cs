using DistrAttention.Vit.Distributed;

namespace ImageClassification.Distributed;

/// <summary>What this process does in a data-parallel job (the environment <c>--gpus</c> or torchrun set): only rank 0 writes.</summary>
public static class RankRole
{
    /// <summary>False on ranks 1 … N−1 of a job of two or more: they train their shard, and rank 0 saves, evaluates and reports.</summary>
    /// <exception cref="ArgumentException">The job's variables are malformed (the message names the variable).</exception>
    public static bool WritesOutputs => DistributedSettings.FromEnvironment() is not { WorldSize: > 1, Rank: > 0 };

    /// <summary>The line a rank other than 0 prints when interrupted.</summary>
    public static string InterruptedMessage => $"Interrupted: rank {Environment.GetEnvironmentVariable(DistributedSettings.RankVariable)} stopped (rank 0 writes the output)";
}
