using System.Collections.Concurrent;

namespace DistrAttention.Vit.Attention;

/// <summary>
/// One line per distinct reason why DistrAttention runs the reference instead of the native kernel on CUDA, so a
/// slow path never goes unnoticed and a training loop does not repeat it every batch.
/// </summary>
public static class AttentionSelectionLog
{
    private static readonly ConcurrentDictionary<string, byte> Seen = new();

    /// <summary>Where the lines go; standard error by default. Set to a no-op to silence.</summary>
    public static Action<string> Writer { get; set; } = line => Console.Error.WriteLine(line);

    /// <summary>Writes "DistrAttention: using the reference implementation: {reason}" the first time a reason occurs.</summary>
    internal static void Once(string reason)
    {
        if (Seen.TryAdd(reason, 0))
            Writer($"DistrAttention: using the reference implementation: {reason}.");
    }
}
