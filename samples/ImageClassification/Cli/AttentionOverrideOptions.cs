using System.CommandLine;
using DistrAttention.Vit.Attention;

namespace ImageClassification.Cli;

/// <summary>
/// <c>evaluate</c>'s optional attention overrides: score the saved model with another attention, without training
/// (a swap-in). Without any of them the model keeps its own. <c>-G</c>, <c>-l</c> or <c>--mode</c> alone mean
/// DistrAttention, starting from the model's own settings when it was trained with DistrAttention, else from the
/// defaults (G = 2, l = 64, Mean).
/// </summary>
public sealed class AttentionOverrideOptions
{
    private static readonly int[] GroupSizes = [1, 2, 4, 8, 16];

    private readonly Option<string?> attention = new("--attention") { Description = "Evaluate with exact or distr (DistrAttention) attention instead of the model's own (no training)." };
    private readonly Option<int?> groupSize = new("--group-size", "-G") { Description = "DistrAttention group size G (1, 2, 4, 8, 16) to evaluate with." };
    private readonly Option<int?> blockSize = new("--block-size", "-l") { Description = "DistrAttention LSH block size l (multiple of 16) to evaluate with." };
    private readonly Option<DistrAttentionMode?> mode = new("--mode") { Description = "DistrAttention group representative to evaluate with." };

    /// <summary>Creates the options (each instance belongs to one command).</summary>
    public AttentionOverrideOptions() => attention.AcceptOnlyFromAmong("exact", "distr");

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { attention, groupSize, blockSize, mode })
            command.Options.Add(option);
    }

    /// <summary>The first problem with the given values (naming the flag), or null; checked before the model is loaded.</summary>
    public string? FirstError(ParseResult parse)
    {
        bool distrFlags = parse.GetValue(groupSize) is not null || parse.GetValue(blockSize) is not null || parse.GetValue(mode) is not null;
        if (parse.GetValue(attention) == "exact" && distrFlags)
            return "-G/--group-size, -l/--block-size and --mode apply to --attention distr, not exact";
        if (parse.GetValue(groupSize) is { } g && !GroupSizes.Contains(g))
            return $"-G/--group-size must be one of {string.Join(", ", GroupSizes)} (got {g})";
        if (parse.GetValue(blockSize) is { } l && (l <= 0 || l % 16 != 0))
            return $"-l/--block-size must be a positive multiple of 16 (got {l})";
        return null;
    }

    /// <summary>The attention to evaluate with, given the model's own <paramref name="trained"/>; null when no override was given.</summary>
    /// <exception cref="UsageException">The values conflict or are out of range.</exception>
    public AttentionOptions? Resolve(ParseResult parse, AttentionOptions trained)
    {
        if (FirstError(parse) is { } error)
            throw new UsageException(error);
        string? kind = parse.GetValue(attention);
        int? g = parse.GetValue(groupSize), l = parse.GetValue(blockSize);
        var m = parse.GetValue(mode);
        if (kind is null && g is null && l is null && m is null)
            return null;
        if (kind == "exact")
            return AttentionOptions.Exact with { Seed = trained.Seed, Implementation = trained.Implementation };
        var start = trained.Kind == AttentionKind.DistrAttention
            ? trained
            : new AttentionOptions { Seed = trained.Seed, Implementation = trained.Implementation };
        return start with
        {
            GroupSize = g ?? start.GroupSize,
            BlockSize = l ?? start.BlockSize,
            Mode = m ?? start.Mode,
        };
    }
}
