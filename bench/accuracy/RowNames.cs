using System.Text.RegularExpressions;

namespace DistrAttention.Bench.Accuracy;

/// <summary>Readable names for scripts/gpu-accuracy.sh's run names and phases.</summary>
public static partial class RowNames
{
    /// <summary><c>exact</c> → Exact; <c>mean-g2-l64</c> → DistrAttention Mean G = 2, l = 64; recipe names stay.</summary>
    public static string Describe(string row)
    {
        if (row == "exact") return "Exact";
        var m = Distr().Match(row);
        return m.Success
            ? $"DistrAttention {char.ToUpperInvariant(m.Groups[1].Value[0])}{m.Groups[1].Value[1..]} G = {m.Groups[2].Value}, l = {m.Groups[3].Value}"
            : row;
    }

    /// <summary>The phase as a table section names it.</summary>
    public static string Phase(string phase) => phase switch
    {
        "table" => "from scratch",
        "swapin" => "swap-in: the Exact model of the same seed, evaluated with DistrAttention, no training",
        "finetune" => "fine-tuned from the Exact model of the same seed",
        "recipe" => "recipe choice (Exact, validation)",
        _ => phase,
    };

    /// <summary>Sort key: Exact first, then Mean before Sample, G ascending, l ascending.</summary>
    public static (int, int, int, int) Order(string row)
    {
        if (row == "exact") return (0, 0, 0, 0);
        var m = Distr().Match(row);
        return m.Success ? (1, m.Groups[1].Value == "mean" ? 0 : 1, int.Parse(m.Groups[2].Value), int.Parse(m.Groups[3].Value)) : (2, 0, 0, 0);
    }

    [GeneratedRegex("^(mean|sample)-g([0-9]+)-l([0-9]+)$")]
    private static partial Regex Distr();
}
