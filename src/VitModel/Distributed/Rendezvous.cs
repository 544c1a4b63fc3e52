using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DistrAttention.Vit.Distributed;

/// <summary>
/// The TCP exchange that hands rank 0's NCCL unique id to the other ranks before <c>ncclCommInitRank</c>. Rank 0
/// listens on <c>MASTER_PORT</c> (on the loopback interface when <c>MASTER_ADDR</c> is a loopback address, else on all
/// interfaces) until every other rank has connected once; each of them connects to <c>MASTER_ADDR:MASTER_PORT</c>,
/// retrying while rank 0 is not listening yet, says who it is and receives the payload. Both sides give up after
/// <see cref="DistributedSettings.RendezvousTimeout"/>.
/// <para>
/// Wire format (little-endian int32s): hello = magic "DARV", protocol 1, rank, world size; reply = status (0 = ok),
/// length, then the payload (ok) or a UTF-8 message saying why rank 0 refused the rank.
/// </para>
/// </summary>
public static class Rendezvous
{
    private const int Magic = 0x56524144; // "DARV" read as little-endian
    private const int Protocol = 1;
    private const int MaxReply = 1 << 20;

    /// <summary>Rank 0: serves <paramref name="payload"/> to ranks 1 … N−1 and returns once each has received it.</summary>
    /// <param name="settings">Rank 0's settings (world size, port, timeout).</param>
    /// <param name="payload">The bytes every rank receives (the NCCL id).</param>
    /// <exception cref="RendezvousException">The port cannot be listened on, a rank disagrees on the world size or
    /// repeats a rank, or not every rank connected within the timeout.</exception>
    public static void Serve(DistributedSettings settings, ReadOnlyMemory<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        if (settings.Rank != 0)
            throw new ArgumentException($"Only rank 0 serves the rendezvous; this is rank {settings.Rank}.", nameof(settings));
        if (settings.WorldSize == 1) return;
        using var timeout = new CancellationTokenSource(settings.RendezvousTimeout);
        var listener = new TcpListener(ListenAddress(settings.MasterAddress), settings.MasterPort);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        try
        {
            listener.Start();
        }
        catch (SocketException e)
        {
            throw new RendezvousException(
                $"Rank 0 cannot listen on {Where(settings)} ({e.SocketErrorCode}: {e.Message}); choose a free {DistributedSettings.MasterPortVariable}.", e);
        }
        try
        {
            var waiting = new SortedSet<int>(Enumerable.Range(1, settings.WorldSize - 1));
            while (waiting.Count > 0)
            {
                try
                {
                    using var client = listener.AcceptTcpClientAsync(timeout.Token).AsTask().GetAwaiter().GetResult();
                    if (ServeOne(client, settings, payload, waiting, timeout.Token) is { } rank)
                        waiting.Remove(rank);
                }
                catch (OperationCanceledException)
                {
                    throw new RendezvousException(
                        $"Rank 0 waited {settings.RendezvousTimeout.TotalSeconds:F0} s on {Where(settings)} for rank(s) {string.Join(", ", waiting)} " +
                        $"of {settings.WorldSize}; they never connected (not started, crashed, or another {DistributedSettings.MasterAddressVariable}).");
                }
            }
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>Ranks 1 … N−1: connects to rank 0 (retrying until it listens) and returns the payload it serves.</summary>
    /// <param name="settings">This rank's settings.</param>
    /// <exception cref="RendezvousException">Rank 0 could not be reached within the timeout, or refused this rank.</exception>
    public static byte[] Receive(DistributedSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        if (settings.Rank == 0)
            throw new ArgumentException("Rank 0 serves the rendezvous; it does not receive.", nameof(settings));
        using var timeout = new CancellationTokenSource(settings.RendezvousTimeout);
        Exception? last = null;
        while (!timeout.IsCancellationRequested)
        {
            try
            {
                using var client = new TcpClient();
                client.ConnectAsync(settings.MasterAddress, settings.MasterPort, timeout.Token).AsTask().GetAwaiter().GetResult();
                var stream = client.GetStream();
                var hello = new byte[16];
                BinaryPrimitives.WriteInt32LittleEndian(hello, Magic);
                BinaryPrimitives.WriteInt32LittleEndian(hello.AsSpan(4), Protocol);
                BinaryPrimitives.WriteInt32LittleEndian(hello.AsSpan(8), settings.Rank);
                BinaryPrimitives.WriteInt32LittleEndian(hello.AsSpan(12), settings.WorldSize);
                stream.WriteAsync(hello, timeout.Token).AsTask().GetAwaiter().GetResult();
                var header = ReadExactly(stream, 8, timeout.Token);
                int status = BinaryPrimitives.ReadInt32LittleEndian(header);
                int length = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(4));
                if (length is < 0 or > MaxReply)
                    throw new RendezvousException($"Rank {settings.Rank}: {Where(settings)} answered with a malformed reply (length {length}); is it another service?");
                var body = ReadExactly(stream, length, timeout.Token);
                if (status != 0)
                    throw new RendezvousException($"Rank 0 at {Where(settings)} refused rank {settings.Rank}: {Encoding.UTF8.GetString(body)}");
                return body;
            }
            catch (RendezvousException)
            {
                throw;
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception e) when (e is SocketException or IOException)
            {
                last = e; // rank 0 not listening yet (connection refused) or closed early: try again
            }
            if (timeout.Token.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(100))) break;
        }
        throw new RendezvousException(
            $"Rank {settings.Rank} could not get the NCCL id from rank 0 at {Where(settings)} within {settings.RendezvousTimeout.TotalSeconds:F0} s" +
            (last is null ? "" : $" (last error: {last.Message})") +
            $"; is rank 0 running, and are {DistributedSettings.MasterAddressVariable}/{DistributedSettings.MasterPortVariable} the same for every rank?", last);
    }

    // One connection: validates the hello and answers. Returns the rank served, or null for a connection that is not a
    // rank (wrong magic: ignored). A rank that contradicts the job is told why, then rank 0 fails too.
    private static int? ServeOne(TcpClient client, DistributedSettings settings, ReadOnlyMemory<byte> payload, ISet<int> waiting, CancellationToken token)
    {
        var stream = client.GetStream();
        byte[] hello;
        try
        {
            hello = ReadExactly(stream, 16, token);
        }
        catch (IOException)
        {
            return null; // closed before saying anything
        }
        if (BinaryPrimitives.ReadInt32LittleEndian(hello) != Magic) return null;
        int protocol = BinaryPrimitives.ReadInt32LittleEndian(hello.AsSpan(4));
        int rank = BinaryPrimitives.ReadInt32LittleEndian(hello.AsSpan(8));
        int world = BinaryPrimitives.ReadInt32LittleEndian(hello.AsSpan(12));
        string? problem =
            protocol != Protocol ? $"rendezvous protocol {protocol}, rank 0 speaks {Protocol} (different versions of the program)"
            : world != settings.WorldSize ? $"rank {rank} has {DistributedSettings.WorldSizeVariable}={world}, rank 0 has {settings.WorldSize}"
            : rank < 1 || rank >= settings.WorldSize ? $"rank {rank} is not in [1, {settings.WorldSize})"
            : !waiting.Contains(rank) ? $"rank {rank} connected twice (two processes with {DistributedSettings.RankVariable}={rank}?)"
            : null;
        var body = problem is null ? payload.ToArray() : Encoding.UTF8.GetBytes(problem);
        var header = new byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(header, problem is null ? 0 : 1);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), body.Length);
        stream.WriteAsync(header, token).AsTask().GetAwaiter().GetResult();
        stream.WriteAsync(body, token).AsTask().GetAwaiter().GetResult();
        if (problem is not null)
            throw new RendezvousException($"Rendezvous on {Where(settings)} failed: {problem}.");
        return rank;
    }

    /// <summary>A TCP port on the loopback interface that is free now (the operating system's pick), e.g. for a one-host job.</summary>
    public static int FreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static byte[] ReadExactly(NetworkStream stream, int count, CancellationToken token)
    {
        var buffer = new byte[count];
        try
        {
            stream.ReadExactlyAsync(buffer, token).AsTask().GetAwaiter().GetResult();
        }
        catch (EndOfStreamException e)
        {
            throw new IOException("The connection closed early.", e);
        }
        return buffer;
    }

    // Rank 0 listens where the others will connect: loopback for a loopback MASTER_ADDR, every interface otherwise.
    private static IPAddress ListenAddress(string masterAddress)
    {
        if (masterAddress.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return IPAddress.Loopback;
        if (IPAddress.TryParse(masterAddress, out var address) && IPAddress.IsLoopback(address)) return address;
        return IPAddress.Any;
    }

    private static string Where(DistributedSettings s) => $"{s.MasterAddress}:{s.MasterPort}";
}
