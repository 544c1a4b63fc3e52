using DistrAttention.Vit.Distributed;

namespace DistrAttention.Tests.Distributed;

/// <summary><see cref="DistributedSettings.Parse"/>: torchrun's variables, and errors that name the variable at fault.</summary>
public class DistributedSettingsTests
{
    private static Func<string, string?> Environment(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value);
        return name => map.GetValueOrDefault(name);
    }

    private static readonly (string, string)[] Torchrun =
        [("RANK", "3"), ("WORLD_SIZE", "4"), ("LOCAL_RANK", "1"), ("MASTER_ADDR", "node0"), ("MASTER_PORT", "29500")];

    [Fact]
    public void ReadsTorchrunsVariables()
    {
        var s = DistributedSettings.Parse(Environment(Torchrun))!;
        Assert.Equal((3, 4, 1, "node0", 29500), (s.Rank, s.WorldSize, s.LocalRank, s.MasterAddress, s.MasterPort));
        Assert.Equal(TimeSpan.FromMinutes(5), s.RendezvousTimeout);
        var withTimeout = DistributedSettings.Parse(Environment([.. Torchrun, ("DISTRATTENTION_RENDEZVOUS_TIMEOUT", "7")]))!;
        Assert.Equal(TimeSpan.FromSeconds(7), withTimeout.RendezvousTimeout);
    }

    [Fact]
    public void UnderTorchrunsAgentStoreTheRendezvousTakesTheNextPort()
    {
        Assert.Equal(29501, DistributedSettings.Parse(Environment([.. Torchrun, ("TORCHELASTIC_USE_AGENT_STORE", "True")]))!.MasterPort);
        Assert.Equal(29500, DistributedSettings.Parse(Environment([.. Torchrun, ("TORCHELASTIC_USE_AGENT_STORE", "False")]))!.MasterPort);
        Assert.Equal(4000, DistributedSettings.Parse(Environment([.. Torchrun, ("DISTRATTENTION_RENDEZVOUS_PORT", "4000"),
            ("TORCHELASTIC_USE_AGENT_STORE", "True")]))!.MasterPort);
    }

    [Fact]
    public void WithoutWorldSizeThereIsNoJob()
    {
        Assert.Null(DistributedSettings.Parse(Environment()));
        Assert.Null(DistributedSettings.Parse(Environment(("RANK", "0"), ("WORLD_SIZE", " "))));
    }

    [Fact]
    public void MissingVariablesAreAllNamed()
    {
        var e = Assert.Throws<ArgumentException>(() => DistributedSettings.Parse(Environment(("WORLD_SIZE", "2"), ("RANK", "1"))));
        Assert.Equal("LOCAL_RANK", e.ParamName);
        Assert.Contains("LOCAL_RANK, MASTER_ADDR, MASTER_PORT are not set", e.Message);
        Assert.Contains("--gpus", e.Message);
    }

    [Theory]
    [InlineData("WORLD_SIZE", "two", "must be an integer; got 'two'")]
    [InlineData("WORLD_SIZE", "0", "must be in [1,")]
    [InlineData("RANK", "4", "must be in [0, 3] (below WORLD_SIZE = 4); got 4")]
    [InlineData("RANK", "-1", "must be in [0, 3]")]
    [InlineData("LOCAL_RANK", "9", "must be in [0, 3]")]
    [InlineData("MASTER_PORT", "70000", "must be in [1, 65535]; got 70000")]
    [InlineData("MASTER_PORT", "http", "must be an integer")]
    [InlineData("DISTRATTENTION_RENDEZVOUS_TIMEOUT", "0", "must be in [1, 86400]")]
    [InlineData("DISTRATTENTION_RENDEZVOUS_PORT", "0", "must be in [1, 65535]")]
    public void MalformedValuesNameTheVariable(string name, string value, string expected)
    {
        var variables = Torchrun.Where(v => v.Item1 != name).Append((name, value)).ToArray();
        var e = Assert.Throws<ArgumentException>(() => DistributedSettings.Parse(Environment(variables)));
        Assert.Equal(name, e.ParamName);
        Assert.Contains($"Environment variable {name} {expected}", e.Message);
    }

    [Fact]
    public void SettingsBuiltInCodeAreValidated()
    {
        var s = new DistributedSettings { Rank = 0, WorldSize = 2, LocalRank = 0, MasterAddress = "127.0.0.1", MasterPort = 1 };
        s.Validate();
        Assert.Equal("Rank", Assert.Throws<ArgumentOutOfRangeException>(() => (s with { Rank = 2 }).Validate()).ParamName);
        Assert.Equal("MasterPort", Assert.Throws<ArgumentOutOfRangeException>(() => (s with { MasterPort = 0 }).Validate()).ParamName);
        Assert.Equal("MasterAddress", Assert.Throws<ArgumentException>(() => (s with { MasterAddress = "" }).Validate()).ParamName);
    }
}
