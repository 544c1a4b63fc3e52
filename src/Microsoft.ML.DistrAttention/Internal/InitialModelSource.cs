using DistrAttention.Vit.Model;
using DistrAttention.Vit.Weights;
using Microsoft.ML.Data;

namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>Finds the model to fine-tune from: <c>InitialModel</c> (a ViT transformer or a chain holding one) or
/// <c>InitialModelPath</c> (a <c>SaveWithVit</c> zip or a <c>VitCheckpoint</c> file).</summary>
internal static class InitialModelSource
{
    private const string Option = nameof(VitImageClassificationTrainer.Options.InitialModel);
    private const string PathOption = nameof(VitImageClassificationTrainer.Options.InitialModelPath);

    /// <summary>The single ViT transformer in <paramref name="model"/> (searched through nested chains).</summary>
    /// <exception cref="ArgumentException">There is none or more than one.</exception>
    public static VitImageClassificationTransformer Find(ITransformer model, string option = Option)
    {
        var found = Flatten(model).OfType<VitImageClassificationTransformer>().ToList();
        return found.Count switch
        {
            1 => found[0],
            0 => throw new ArgumentException(
                $"{option}: the {model.GetType().Name} holds no VitImageClassificationTransformer; expected one (or a pipeline holding exactly one).", option),
            _ => throw new ArgumentException(
                $"{option}: the pipeline holds {found.Count} VitImageClassificationTransformers; expected exactly one.", option),
        };
    }

    /// <summary>Loads <c>InitialModelPath</c> on the CPU; the caller disposes the result.</summary>
    /// <exception cref="InvalidDataException">The file is neither a readable ViT pipeline zip nor a ViT checkpoint.</exception>
    /// <exception cref="ArgumentException">The pipeline holds no ViT or several.</exception>
    public static VisionTransformer Load(string path)
    {
        if (IsZip(path))
        {
            ITransformer chain;
            try
            {
                chain = new MLContext().Model.LoadWithVit(path, out _, global::DistrAttention.Runtime.ComputeDevice.Cpu);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"{PathOption}: {e.Message}", e);
            }
            try
            {
                var vit = Find(chain, PathOption);
                var copy = new VisionTransformer(vit.Config);
                ModelWeights.Copy(vit.Model, copy);
                copy.Precision = vit.Model.Precision;
                return copy;
            }
            finally
            {
                foreach (var t in Flatten(chain)) (t as IDisposable)?.Dispose();
            }
        }
        try
        {
            using var file = File.OpenRead(path);
            return VitCheckpoint.Load(file);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException(
                $"{PathOption} '{path}' is neither a ViT pipeline zip (SaveWithVit) nor a readable ViT checkpoint (VitCheckpoint.Save): {e.Message}", e);
        }
    }

    private static bool IsZip(string path)
    {
        Span<byte> head = stackalloc byte[4];
        using var file = File.OpenRead(path);
        return file.Read(head) == 4 && head.SequenceEqual("PK\u0003\u0004"u8);
    }

    private static IEnumerable<ITransformer> Flatten(ITransformer transformer) =>
        transformer is IEnumerable<ITransformer> chain ? chain.SelectMany(Flatten) : [transformer];
}
