using static TorchSharp.torch;

namespace DistrAttention.Vit.Distributed;

/// <summary>
/// Collective operations over the ranks of one training job: every rank calls the same operations in the same order
/// with tensors of the same shapes and types. <see cref="NcclCollectives"/> runs them on CUDA through NCCL.
/// </summary>
public interface ICollectives
{
    /// <summary>This process's rank, in [0, <see cref="WorldSize"/>).</summary>
    int Rank { get; }

    /// <summary>Number of ranks.</summary>
    int WorldSize { get; }

    /// <summary>Overwrites <paramref name="tensor"/> on every rank with its values on rank <paramref name="root"/> (in place).</summary>
    /// <param name="tensor">A contiguous tensor on this rank's device.</param>
    /// <param name="root">The rank whose values every rank receives.</param>
    void Broadcast(Tensor tensor, int root);

    /// <summary>
    /// Replaces each tensor, on every rank, by the element-wise sum of that tensor over all ranks (in place). The
    /// tensors are one group: NCCL launches them together.
    /// </summary>
    /// <param name="tensors">Contiguous tensors on this rank's device.</param>
    void AllReduceSum(IReadOnlyList<Tensor> tensors);
}
