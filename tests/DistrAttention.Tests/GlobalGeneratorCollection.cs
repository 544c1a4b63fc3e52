namespace DistrAttention.Tests;

/// <summary>
/// Tests that compare two seeded runs bit for bit. A seed fixes torch's process-wide generator only while no other
/// thread draws from it, and most test classes draw from it (torch.randn) in parallel, so these run alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalGeneratorCollection
{
    public const string Name = "Torch's global generator";
}
