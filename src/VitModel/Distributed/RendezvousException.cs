namespace DistrAttention.Vit.Distributed;

/// <summary>
/// The ranks of a job could not exchange the NCCL id: rank 0 could not listen, a rank could not reach it in time, or a
/// rank's <c>WORLD_SIZE</c> or <c>RANK</c> disagreed with the others. The message names the address, port and ranks.
/// </summary>
public sealed class RendezvousException : IOException
{
    /// <summary>Creates the exception.</summary>
    public RendezvousException(string message, Exception? inner = null) : base(message, inner) { }
}
