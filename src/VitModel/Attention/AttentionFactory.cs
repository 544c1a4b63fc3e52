using DistrAttention.Vit.Runtime;
using TorchSharp;

namespace DistrAttention.Vit.Attention;

/// <summary>Builds the attention implementation that <see cref="AttentionOptions"/> selects.</summary>
public static class AttentionFactory
{
    /// <summary>
    /// Creates a module implementing <see cref="IAttention"/> for heads of dimension <paramref name="headDim"/>.
    /// Exact options (or G = 1) give <see cref="ExactAttention"/>; otherwise <see cref="DistrAttentionReference"/>
    /// (the native kernel is not wired in yet, so <see cref="AttentionImplementation.Native"/> is refused).
    /// </summary>
    /// <param name="options">Attention options; validated against <paramref name="headDim"/>.</param>
    /// <param name="headDim">Head dimension d.</param>
    /// <param name="name">Module name.</param>
    /// <exception cref="ArgumentException">The options are invalid for <paramref name="headDim"/>.</exception>
    /// <exception cref="NotSupportedException">The native implementation was requested explicitly.</exception>
    public static torch.nn.Module Create(AttentionOptions options, int headDim, string name = "kernel")
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(headDim);
        TorchRuntime.EnsureInitialized();
        if (options.Kind == AttentionKind.Exact)
            return new ExactAttention(options, name);
        if (options.Implementation == AttentionImplementation.Native)
            throw new NotSupportedException(
                "AttentionImplementation.Native is not available in this build; use Auto or Reference.");
        return new DistrAttentionReference(options, headDim, name);
    }
}
