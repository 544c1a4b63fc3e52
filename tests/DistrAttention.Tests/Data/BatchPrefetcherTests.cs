using Microsoft.ML.DistrAttention.Internal;

namespace DistrAttention.Tests.Data;

public class BatchPrefetcherTests
{
    /// <summary>An item that counts its disposals and remembers the thread that made it.</summary>
    private sealed class Item(int value) : IDisposable
    {
        public int Value { get; } = value;
        public int ThreadId { get; } = Environment.CurrentManagedThreadId;
        public int Disposals;
        public void Dispose() => Interlocked.Increment(ref Disposals);
    }

    private static IEnumerable<Item> Count(int n, List<Item> made, Action<int>? before = null)
    {
        for (int i = 0; i < n; i++)
        {
            before?.Invoke(i);
            var item = new Item(i);
            lock (made) made.Add(item);
            yield return item;
        }
    }

    [Fact]
    public void YieldsEveryItemOnceInOrderFromAnotherThread()
    {
        var made = new List<Item>();
        var taken = new List<int>();
        var random = new Random(3);
        using (var prefetcher = new BatchPrefetcher<Item>(Count(500, made), depth: 2))
        {
            while (prefetcher.TryTake(out var item))
                using (item)
                {
                    taken.Add(item.Value);
                    Assert.NotEqual(Environment.CurrentManagedThreadId, item.ThreadId);
                    if (random.Next(10) == 0) Thread.Sleep(1);
                }
            Assert.False(prefetcher.TryTake(out _));
        }
        Assert.Equal(Enumerable.Range(0, 500), taken);
        Assert.All(made, i => Assert.Equal(1, i.Disposals));
    }

    [Fact]
    public void MakesTheNextItemWhileTheCurrentOneIsUsed()
    {
        var made = new List<Item>();
        using var secondMade = new ManualResetEventSlim();
        using var prefetcher = new BatchPrefetcher<Item>(Count(3, made, i => { if (i == 2) secondMade.Set(); }), depth: 1);
        using var first = prefetcher.Take();
        // While item 0 is held, the thread makes item 1 and starts item 2 (item 1 waits in the queue).
        Assert.True(secondMade.Wait(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, first.Value);
    }

    [Fact]
    public void ProducerExceptionComesAfterTheItemsBeforeIt()
    {
        var made = new List<Item>();
        var source = Count(10, made, i => { if (i == 4) throw new InvalidDataException("bad row 4"); });
        var taken = new List<int>();
        using var prefetcher = new BatchPrefetcher<Item>(source, depth: 2);
        var e = Assert.Throws<InvalidDataException>(() =>
        {
            while (prefetcher.TryTake(out var item))
                using (item) taken.Add(item.Value);
        });
        Assert.Equal("bad row 4", e.Message);
        Assert.Equal([0, 1, 2, 3], taken);
        Assert.All(made, i => Assert.Equal(1, i.Disposals));
    }

    [Fact]
    public void DisposingEarlyStopsTheThreadAndDisposesWhatWasNotTaken()
    {
        var made = new List<Item>();
        int lastMade = -1;
        var prefetcher = new BatchPrefetcher<Item>(Count(1_000_000, made, i => lastMade = i), depth: 2);
        using (var item = prefetcher.Take()) Assert.Equal(0, item.Value);
        prefetcher.Dispose();
        int stoppedAt = lastMade;
        Thread.Sleep(50);
        Assert.Equal(stoppedAt, lastMade); // the thread has ended
        Assert.InRange(made.Count, 1, 5);   // never more than depth + 1 ahead
        Assert.All(made, i => Assert.Equal(1, i.Disposals));
        Assert.Throws<ObjectDisposedException>(() => prefetcher.TryTake(out _));
    }

    [Fact]
    public void CancellationStopsTheProducerAndTheConsumer()
    {
        var made = new List<Item>();
        using var cancel = new CancellationTokenSource();
        using var prefetcher = new BatchPrefetcher<Item>(Count(1_000_000, made), depth: 1, cancel.Token);
        using (prefetcher.Take()) { }
        cancel.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => prefetcher.TryTake(out _));
        prefetcher.Dispose();
        Assert.All(made, i => Assert.Equal(1, i.Disposals));
    }
}
