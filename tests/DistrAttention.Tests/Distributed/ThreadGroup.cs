using System.Runtime.ExceptionServices;
using DistrAttention.Vit.Distributed;
using static TorchSharp.torch;

namespace DistrAttention.Tests.Distributed;

/// <summary>
/// An in-process job for CPU tests: each rank is a thread, and <see cref="ICollectives"/> is implemented over shared
/// copies of the tensors and a barrier. Sums are taken in rank order, so every rank gets bitwise the same result (as NCCL
/// gives every rank the same reduction).
/// </summary>
internal sealed class ThreadGroup
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly Barrier barrier;
    private readonly Tensor[]?[] slots;

    public ThreadGroup(int worldSize)
    {
        WorldSize = worldSize;
        barrier = new Barrier(worldSize);
        slots = new Tensor[]?[worldSize];
    }

    public int WorldSize { get; }

    /// <summary>Rank <paramref name="rank"/>'s view of the group.</summary>
    public ICollectives Member(int rank) => new Endpoint(this, rank);

    /// <summary>Runs <paramref name="body"/> on one thread per rank and returns the results by rank; rethrows a rank's exception.</summary>
    public static T[] Run<T>(int worldSize, Func<int, ICollectives, T> body)
    {
        var group = new ThreadGroup(worldSize);
        var results = new T[worldSize];
        var errors = new Exception?[worldSize];
        var threads = Enumerable.Range(0, worldSize).Select(r => new Thread(() =>
        {
            try { results[r] = body(r, group.Member(r)); }
            catch (Exception e) { errors[r] = e; group.barrier.RemoveParticipant(); }
        }) { Name = $"rank {r}" }).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        if (errors.FirstOrDefault(e => e is not null) is { } error)
            ExceptionDispatchInfo.Throw(error);
        return results;
    }

    private void Wait()
    {
        if (!barrier.SignalAndWait(Timeout))
            throw new TimeoutException("A rank never reached the collective (the ranks' calls differ).");
    }

    private sealed class Endpoint(ThreadGroup group, int rank) : ICollectives
    {
        public int Rank => rank;
        public int WorldSize => group.WorldSize;

        public void Broadcast(Tensor tensor, int root)
        {
            using var noGrad = no_grad();
            if (rank == root) group.slots[root] = [tensor.detach().clone().DetachFromDisposeScope()];
            group.Wait();
            if (rank != root) tensor.copy_(group.slots[root]![0]);
            group.Wait();
            if (rank == root) Release(root);
        }

        public void AllReduceSum(IReadOnlyList<Tensor> tensors)
        {
            using var noGrad = no_grad();
            group.slots[rank] = tensors.Select(t => t.detach().clone().DetachFromDisposeScope()).ToArray();
            group.Wait();
            for (int i = 0; i < tensors.Count; i++)
            {
                using var sum = group.slots[0]![i].clone();
                for (int r = 1; r < group.WorldSize; r++)
                    sum.add_(group.slots[r]![i]);
                tensors[i].copy_(sum);
            }
            group.Wait();
            Release(rank);
        }

        private void Release(int slot)
        {
            foreach (var t in group.slots[slot]!) t.Dispose();
            group.slots[slot] = null;
        }
    }
}
