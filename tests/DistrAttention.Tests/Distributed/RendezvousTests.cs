using System.Net;
using System.Net.Sockets;
using DistrAttention.Vit.Distributed;

namespace DistrAttention.Tests.Distributed;

/// <summary><see cref="Rendezvous"/> over loopback: ranks in one process, each on its own thread.</summary>
public class RendezvousTests
{

    private static DistributedSettings Settings(int rank, int world, int port, double timeoutSeconds = 20) => new()
    {
        Rank = rank, WorldSize = world, LocalRank = rank, MasterAddress = "127.0.0.1", MasterPort = port,
        RendezvousTimeout = TimeSpan.FromSeconds(timeoutSeconds),
    };

    [Fact]
    public async Task TwoEndpointsExchangeAnId()
    {
        int port = Rendezvous.FreeLoopbackPort();
        var id = Enumerable.Range(0, 128).Select(i => (byte)(i * 7 + 1)).ToArray();
        // The receiver starts first: it retries until rank 0 listens.
        var receiver = Task.Run(() => Rendezvous.Receive(Settings(1, 2, port)));
        await Task.Delay(300);
        var server = Task.Run(() => Rendezvous.Serve(Settings(0, 2, port), id));
        await Task.WhenAll(receiver, server).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(id, await receiver);
    }

    [Fact]
    public async Task RankZeroServesEveryRankOnce()
    {
        int port = Rendezvous.FreeLoopbackPort();
        var id = new byte[] { 1, 2, 3 };
        var server = Task.Run(() => Rendezvous.Serve(Settings(0, 4, port), id));
        var received = Enumerable.Range(1, 3).Select(r => Task.Run(() => Rendezvous.Receive(Settings(r, 4, port)))).ToArray();
        await Task.WhenAll([server, .. received]).WaitAsync(TimeSpan.FromSeconds(30));
        foreach (var t in received)
            Assert.Equal(id, await t);
    }

    [Fact]
    public async Task AWorldSizeMismatchFailsBothSidesWithTheReason()
    {
        int port = Rendezvous.FreeLoopbackPort();
        var server = Task.Run(() => Rendezvous.Serve(Settings(0, 2, port), new byte[] { 9 }));
        var client = Task.Run(() => Rendezvous.Receive(Settings(1, 3, port)));
        var serverError = await Assert.ThrowsAsync<RendezvousException>(() => server.WaitAsync(TimeSpan.FromSeconds(30)));
        var clientError = await Assert.ThrowsAsync<RendezvousException>(() => client.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("rank 1 has WORLD_SIZE=3, rank 0 has 2", serverError.Message);
        Assert.Contains("refused rank 1: rank 1 has WORLD_SIZE=3", clientError.Message);
    }

    [Fact]
    public void ARankWithoutRankZeroTimesOutNamingTheAddress()
    {
        int port = Rendezvous.FreeLoopbackPort();
        var e = Assert.Throws<RendezvousException>(() => Rendezvous.Receive(Settings(1, 2, port, timeoutSeconds: 1)));
        Assert.Contains($"Rank 1 could not get the NCCL id from rank 0 at 127.0.0.1:{port} within 1 s", e.Message);
    }

    [Fact]
    public void RankZeroTimesOutNamingTheMissingRanks()
    {
        int port = Rendezvous.FreeLoopbackPort();
        var e = Assert.Throws<RendezvousException>(() => Rendezvous.Serve(Settings(0, 3, port, timeoutSeconds: 1), new byte[] { 1 }));
        Assert.Contains($"waited 1 s on 127.0.0.1:{port} for rank(s) 1, 2 of 3", e.Message);
    }

    [Fact]
    public void APortInUseIsReportedByRankZero()
    {
        var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            int port = ((IPEndPoint)taken.LocalEndpoint).Port;
            var e = Assert.Throws<RendezvousException>(() => Rendezvous.Serve(Settings(0, 2, port, 2), new byte[] { 1 }));
            Assert.Contains($"Rank 0 cannot listen on 127.0.0.1:{port}", e.Message);
            Assert.Contains("MASTER_PORT", e.Message);
        }
        finally
        {
            taken.Stop();
        }
    }

    [Fact]
    public void OneRankNeedsNoRendezvous() => Rendezvous.Serve(Settings(0, 1, 1), new byte[] { 1 });
}
