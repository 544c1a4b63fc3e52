namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>
/// Per-image augmentation of one batch: a random crop of the image zero-padded by <see cref="Padding"/> (a shift by
/// (Dx, Dy) ∈ [−p, p]² with black fill) and an optional horizontal mirror. Output pixel (y, x) of image i is source
/// pixel (y + Dy[i], x' + Dx[i]) with x' = S − 1 − x when Flip[i], else x; black (raw byte 0) outside the image.
/// </summary>
internal sealed record Augmentation(int Padding, int[] Dx, int[] Dy, bool[] Flip)
{
    /// <summary>
    /// Draws the parameters of <paramref name="count"/> images from <paramref name="random"/>, per image dx, dy (when
    /// padding &gt; 0) then the flip (when enabled): the order of the former per-image loop, so a seed gives the same run.
    /// </summary>
    public static Augmentation Draw(Random random, int count, int padding, bool flip)
    {
        var dx = new int[count];
        var dy = new int[count];
        var mirror = new bool[count];
        for (int i = 0; i < count; i++)
        {
            if (padding > 0)
            {
                dx[i] = random.Next(-padding, padding + 1);
                dy[i] = random.Next(-padding, padding + 1);
            }
            mirror[i] = flip && random.Next(2) == 1;
        }
        return new Augmentation(padding, dx, dy, mirror);
    }

    /// <summary>Whether the augmentation changes nothing (no padding, no flip).</summary>
    public bool IsIdentity => Padding == 0 && !Flip.Any(f => f);
}
