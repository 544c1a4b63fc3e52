namespace DistrAttention.Vit.Distributed;

/// <summary>An NCCL call returned an error. The message names the call, NCCL's result and its error text.</summary>
public sealed class NcclException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="call">The NCCL function that failed, e.g. <c>ncclCommInitRank</c>.</param>
    /// <param name="result">What it returned.</param>
    /// <param name="message">The full message.</param>
    public NcclException(string call, NcclResult result, string message) : base(message)
    {
        Call = call;
        Result = result;
    }

    /// <summary>The NCCL function that failed.</summary>
    public string Call { get; }

    /// <summary>Its result code.</summary>
    public NcclResult Result { get; }
}

/// <summary>
/// libnccl could not be found or loaded. The message lists every path tried and why each failed, and how to name the
/// library (<see cref="NcclLibrary.EnvironmentVariable"/>).
/// </summary>
public sealed class NcclNotFoundException : DllNotFoundException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was tried.</param>
    /// <param name="tried">Each candidate with the reason it was not used.</param>
    public NcclNotFoundException(string message, IReadOnlyList<string> tried) : base(message) => Tried = tried;

    /// <summary>Each path tried, with the reason it was not used.</summary>
    public IReadOnlyList<string> Tried { get; }
}
