namespace DistrAttention.Vit.Native;

/// <summary>
/// A call into the native DistrAttention library failed, or the library could not be used. Carries the library's
/// status code and its thread-local message (<c>da_last_error()</c>).
/// </summary>
public sealed class DistrAttentionNativeException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="status">The status the library returned (<see cref="NativeStatus.Ok"/> when the library is missing).</param>
    /// <param name="nativeMessage">The library's message, or empty.</param>
    /// <param name="message">The full message.</param>
    public DistrAttentionNativeException(NativeStatus status, string nativeMessage, string message) : base(message)
    {
        Status = status;
        NativeMessage = nativeMessage;
    }

    /// <summary>The library's status code.</summary>
    public NativeStatus Status { get; }

    /// <summary>The text of <c>da_last_error()</c> for the failed call.</summary>
    public string NativeMessage { get; }
}
