using System.Diagnostics;
using System.Runtime.ExceptionServices;
using DistrAttention.Vit.Attention;
using DistrAttention.Vit.Distributed;
using DistrAttention.Vit.Model;
using DistrAttention.Vit.Native;
using DistrAttention.Runtime;
using DistrAttention.Vit.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.DistrAttention;
using TorchSharp;
using static TorchSharp.torch;

namespace DistrAttention.GpuTests;

/// <summary>
/// Issue 19, data-parallel training through NCCL. On one GPU (world size 1, real NCCL): the binding's broadcast and
/// all-reduce of known tensors, DataParallel's bucketed averaging, a training step with data parallelism against the
/// single-process step, and the trainer with <c>Distributed = true</c>. On two GPUs (skipped, with the reason, on one):
/// two ranks' step against one GPU on the combined batch, images/s of ViT-B/224 on 2 GPUs against 1, and
/// <c>sample train --gpus 2</c> end to end. Without libnccl everything here is skipped with the reason.
/// </summary>
internal static class DistributedChecks
{
    public static void Run(Harness h, string outDir)
    {
        NcclLibrary nccl;
        try
        {
            nccl = NcclLibrary.Shared;
        }
        catch (NcclNotFoundException e)
        {
            h.Write($"SKIP distributed checks (issue 19): {e.Message}");
            return;
        }
        h.Write($"NCCL {nccl.Version} from {nccl.Path}; {cuda.device_count()} CUDA device(s)");
        NcclCollectives? group = null;
        h.Check("NCCL world size 1 on cuda:0: rendezvous and ncclCommInitRank", () =>
        {
            group = NcclCollectives.Connect(Settings(0, 1, Rendezvous.FreeLoopbackPort()), Gpu(0));
            return $"ok: rank {group.Rank} of {group.WorldSize}";
        });
        if (group is not null)
            using (group)
            {
                h.Check("NCCL broadcast of known tensors (float32, bfloat16, int64; out of place and in place)", () => Broadcasts(nccl, group));
                h.Check("NCCL all-reduce of known tensors (1,000,003 floats out of place; DataParallel in 1 MiB buckets; step metrics)", () => AllReduces(nccl, group));
                h.Check("one training step with data parallelism (world 1, NCCL) equals the single-process step (ViT-Ti/28, DistrAttention, bf16)",
                    () => StepMatchesSingleProcess(group));
            }
        h.Check("trainer with Distributed = true at world size 1 (variables set in-process): 2 epochs, test accuracy ≥ 0.5, reloaded model predicts alike",
            () => TrainerWorldOne(outDir));

        int gpus = cuda.device_count();
        if (gpus < 2)
        {
            h.Write($"SKIP 2-GPU distributed checks: {gpus} CUDA device visible (need 2): first-step losses and gradients of 2 ranks vs one GPU on the " +
                "combined batch; images/s of ViT-B/224 at batch 64 per GPU on 2 GPUs vs 1 (bar 1.8x); sample train --gpus 2");
            return;
        }
        h.Check("2 GPUs: two ranks' steps (2 x 32) equal one GPU's on the combined batch of 64 (losses, first-step gradients; bf16 tolerance)",
            TwoRanksMatchCombinedBatch);
        h.Check("2 GPUs: ViT-B/224 training step, batch 64 per GPU, images/s on 2 GPUs vs 1 ≥ 1.8x", Scaling);
        h.Check("2 GPUs: sample train --gpus 2 (sample model, 1 epoch): both ranks run, rank 0 writes the model", () => SampleOnTwoGpus(outDir));
    }

    private static string Broadcasts(NcclLibrary nccl, NcclCollectives group)
    {
        using var scope = NewDisposeScope();
        foreach (var type in new[] { ScalarType.Float32, ScalarType.BFloat16, ScalarType.Int64 })
        {
            var send = arange(1000, ScalarType.Float32, Gpu(0)).mul(0.5).sub(100).to(type);
            var receive = zeros_like(send);
            nccl.Check("ncclBroadcast", nccl.Broadcast(Address(send), Address(receive), 1000, NcclTypes.Of(type, "send"), 0, group.Handle), group.Handle);
            if (!receive.eq(send).all().item<bool>()) return $"{type}: the received tensor differs from the root's";
            var inPlace = send.clone();
            group.Broadcast(inPlace, 0);
            if (!inPlace.eq(send).all().item<bool>()) return $"{type}: the in-place broadcast changed the tensor";
        }
        return "ok: received = sent for every type";
    }

    private static string AllReduces(NcclLibrary nccl, NcclCollectives group)
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var send = randn(1_000_003, ScalarType.Float32, Gpu(0));
        var receive = full_like(send, double.NaN);
        nccl.Check("ncclAllReduce", nccl.AllReduce(Address(send), Address(receive), 1_000_003, NcclDataType.Float32, NcclReduceOp.Sum, group.Handle), group.Handle);
        if (!receive.eq(send).all().item<bool>()) return "out of place: the sum over one rank differs from the input";
        var gradients = send.clone();
        new DataParallel(group, bucketBytes: 1 << 20).AverageGradients(gradients); // 4 buckets in one group
        if (!gradients.eq(send).all().item<bool>()) return "DataParallel.AverageGradients over one rank changed the gradients";
        var (loss, hits) = new DataParallel(group).ReduceStepMetrics(tensor(2.5f, device: Gpu(0)), tensor(7L, device: Gpu(0)));
        if (loss.item<float>() != 2.5f || hits.item<long>() != 7) return $"step metrics: {loss.item<float>()}, {hits.item<long>()} (expected 2.5, 7)";
        return "ok: out of place, bucketed and metrics as expected";
    }

    private static string StepMatchesSingleProcess(NcclCollectives group)
    {
        using var scope = NewDisposeScope();
        var config = VitConfig.Tiny(28, 10, 1, 4) with { Attention = new AttentionOptions { GroupSize = 2, BlockSize = 64 } };
        manual_seed(7);
        var single = new VisionTransformer(config);
        var parallel = new VisionTransformer(config);
        parallel.load_state_dict(single.state_dict());
        foreach (var m in new[] { single, parallel })
        {
            m.to(Gpu(0));
            m.Precision = ComputePrecision.BFloat16;
        }
        var options = new TrainingStepOptions { LearningRate = 1e-3 };
        using var one = new TrainingStep(single, options);
        using var rank = new TrainingStep(parallel, options, new DataParallel(group));
        manual_seed(8);
        var x = randn(64, 1, 28, 28, device: Gpu(0));
        var y = randint(0, 10, [64], device: Gpu(0));
        double worstLoss = 0, gradientError = 0;
        bool bitwise = true;
        for (int i = 0; i < 3; i++)
        {
            float a = one.Run(x, y).Loss.item<float>(), b = rank.Run(x, y).Loss.item<float>();
            worstLoss = Math.Max(worstLoss, Math.Abs(a - b) / Math.Abs(a));
            bitwise &= a == b;
            if (i == 0)
            {
                gradientError = one.FlatGradients.sub(rank.FlatGradients).norm().item<float>() / one.FlatGradients.norm().item<float>();
                bitwise &= one.FlatGradients.eq(rank.FlatGradients).all().item<bool>();
            }
        }
        string detail = $"loss rel diff ≤ {worstLoss:E2} over 3 steps, first-step gradients rel diff {gradientError:E2}{(bitwise ? " (bitwise equal)" : "")}";
        return worstLoss <= 1e-2 && gradientError <= 1e-2 ? "ok: " + detail : detail;
    }

    private static string TrainerWorldOne(string outDir)
    {
        if (!EmbeddedImages.Exist)
            return $"ok: skipped, {EmbeddedImages.Missing}";
        var variables = new Dictionary<string, string?>
        {
            ["RANK"] = "0", ["WORLD_SIZE"] = "1", ["LOCAL_RANK"] = "0", ["MASTER_ADDR"] = "127.0.0.1", ["MASTER_PORT"] = Rendezvous.FreeLoopbackPort().ToString(),
        };
        var saved = variables.Keys.ToDictionary(k => k, Environment.GetEnvironmentVariable);
        foreach (var (k, v) in variables) Environment.SetEnvironmentVariable(k, v);
        try
        {
            var ml = new MLContext(seed: 1);
            var train = EmbeddedImages.Train().View(ml);
            var test = EmbeddedImages.Test().View(ml);
            var options = new VitImageClassificationTrainer.Options
            {
                Preset = VitPreset.Tiny,
                ImageSize = 28, PatchSize = 4, Channels = 1, Attention = new AttentionOptions { GroupSize = 2, BlockSize = 64 },
                Epochs = 2, BatchSize = 64, WarmupEpochs = 0.5, HorizontalFlip = false, RandomCrop = false,
                Device = ComputeDevice.Cuda, Distributed = true,
            };
            var (model, _) = TrainerPipeline.Fit(ml, train, options);
            var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
            string path = Path.Combine(outDir, "distributed-world1.zip");
            ml.Model.SaveWithVit(model, train.Schema, path);
            var loaded = ml.Model.LoadWithVit(path, out _);
            var before = model.Transform(test).GetColumn<ReadOnlyMemory<char>>(TrainerPipeline.PredictedLabel).Select(v => v.ToString()).ToArray();
            var after = loaded.Transform(test).GetColumn<ReadOnlyMemory<char>>(TrainerPipeline.PredictedLabel).Select(v => v.ToString()).ToArray();
            int differ = before.Zip(after).Count(p => p.First != p.Second);
            string detail = $"accuracy {metrics.MicroAccuracy:F3}, {differ} of {before.Length} reloaded predictions differ";
            return metrics.MicroAccuracy >= 0.5 && differ == 0 ? "ok: " + detail : detail;
        }
        finally
        {
            foreach (var (k, v) in saved) Environment.SetEnvironmentVariable(k, v);
        }
    }

    private static string TwoRanksMatchCombinedBatch()
    {
        var config = VitConfig.Tiny(224, 10, 3, 16) with { Attention = new AttentionOptions { GroupSize = 2, BlockSize = 64 } };
        var options = new TrainingStepOptions { LearningRate = 1e-3, MaxGradNorm = 0 };
        manual_seed(11);
        using var initial = new VisionTransformer(config);
        var weights = initial.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        var x = randn(64, 3, 224, 224);
        var y = randint(0, 10, [64]);
        // One GPU, the combined batch.
        var reference = Ranks(1, _ => Steps(config, weights, options, x, y, Gpu(0), null));
        // Two ranks, 32 images each, averaged through NCCL.
        int port = Rendezvous.FreeLoopbackPort();
        var ranks = Ranks(2, r =>
        {
            using var group = NcclCollectives.Connect(Settings(r, 2, port), Gpu(r));
            return Steps(config, weights, options, x.narrow(0, 32 * r, 32), y.narrow(0, 32 * r, 32), Gpu(r), new DataParallel(group));
        });
        var (single, singleGradients) = reference[0];
        double worstLoss = 0;
        for (int i = 0; i < single.Count; i++)
            worstLoss = Math.Max(worstLoss, Math.Abs((ranks[0].Losses[i] + ranks[1].Losses[i]) / 2 - single[i]) / Math.Abs(single[i]));
        double gradientError = ranks[0].FirstGradients.sub(singleGradients).norm().item<float>() / singleGradients.norm().item<float>();
        bool same = ranks[0].FirstGradients.eq(ranks[1].FirstGradients).all().item<bool>();
        string detail = $"mean rank loss vs combined: rel diff ≤ {worstLoss:E2} over {single.Count} steps; averaged first-step gradients vs combined: " +
            $"rel diff {gradientError:E2}; ranks' gradients {(same ? "identical" : "DIFFER")}";
        return worstLoss <= 1e-2 && gradientError <= 2e-2 && same ? "ok: " + detail : detail;
    }

    // Three steps on one device from the given weights; the losses and the first step's (averaged) gradients, on the CPU.
    private static (List<float> Losses, Tensor FirstGradients) Steps(VitConfig config, Dictionary<string, Tensor> weights,
        TrainingStepOptions options, Tensor x, Tensor y, Device device, DataParallel? parallel)
    {
        using var scope = NewDisposeScope();
        var model = new VisionTransformer(config);
        model.load_state_dict(weights);
        model.to(device);
        model.Precision = ComputePrecision.BFloat16;
        using var step = new TrainingStep(model, options, parallel);
        var (images, labels) = (x.to(device), y.to(device));
        var losses = new List<float>();
        Tensor first = null!;
        for (int i = 0; i < 3; i++)
        {
            losses.Add(step.Run(images, labels).Loss.item<float>());
            if (i == 0) first = step.FlatGradients.cpu().DetachFromDisposeScope();
        }
        return (losses, first);
    }

    private static string Scaling()
    {
        double one = ImagesPerSecond(1), two = ImagesPerSecond(2);
        string detail = $"1 GPU {one:F0} img/s, 2 GPUs {two:F0} img/s: {two / one:F2}x (all-reduce after the backward, no overlap)";
        return two / one >= 1.8 ? "ok: " + detail : detail;
    }

    // ViT-B/224 (exact attention, bf16, 1000 classes), batch 64 per GPU, synthetic images: 5 warm-up steps, 20 timed.
    private static double ImagesPerSecond(int gpus)
    {
        const int batch = 64, warmUp = 5, timed = 20;
        int port = Rendezvous.FreeLoopbackPort();
        var seconds = Ranks(gpus, r =>
        {
            var device = Gpu(r);
            using var group = gpus > 1 ? NcclCollectives.Connect(Settings(r, gpus, port), device) : null;
            using var scope = NewDisposeScope();
            manual_seed(1);
            var model = new VisionTransformer(VitConfig.Base(224, 1000, 3, 16) with { Attention = AttentionOptions.Exact });
            model.to(device);
            model.Precision = ComputePrecision.BFloat16;
            using var step = new TrainingStep(model, new TrainingStepOptions(), group is null ? null : new DataParallel(group));
            var x = randn(batch, 3, 224, 224, device: device);
            var y = randint(0, 1000, [batch], device: device);
            for (int i = 0; i < warmUp; i++)
                using (NewDisposeScope()) step.Run(x, y);
            cuda.synchronize(device);
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < timed; i++)
                using (NewDisposeScope()) step.Run(x, y);
            cuda.synchronize(device);
            return clock.Elapsed.TotalSeconds;
        });
        return gpus * batch * timed / seconds.Max();
    }

    private static string SampleOnTwoGpus(string outDir)
    {
        if (!EmbeddedImages.Exist)
            return $"ok: skipped, {EmbeddedImages.Missing}";
        string output = Path.Combine(outDir, "sample-train-gpus2");
        // This process is the device host (bench/DeviceHost, distrattention-gpu): it runs `sample ...` as the sample's CLI.
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "sample", "train", "-d", EmbeddedImages.Root, "--epochs", "1", "--device", "cuda", "--gpus", "2", "-o", output })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            return "timed out after 5 minutes";
        }
        string log = stdout.Result + stderr.Result;
        File.WriteAllText(Path.Combine(outDir, "sample-train-gpus2.txt"), log);
        bool bothRanks = log.Contains("[rank 0] ", StringComparison.Ordinal) && log.Contains("[rank 1] ", StringComparison.Ordinal);
        bool model = File.Exists(Path.Combine(output, "model.zip"));
        string accuracy = log.Split('\n').LastOrDefault(l => l.Contains("Test accuracy", StringComparison.Ordinal))?.Trim() ?? "no accuracy line";
        string detail = $"exit {process.ExitCode}, both ranks {(bothRanks ? "ran" : "did NOT run")}, model.zip {(model ? "written" : "MISSING")}; {accuracy} (log sample-train-gpus2.txt)";
        return process.ExitCode == 0 && bothRanks && model ? "ok: " + detail : detail;
    }

    // One thread per rank (NCCL allows one communicator per thread); rethrows the first rank's exception.
    private static T[] Ranks<T>(int count, Func<int, T> body)
    {
        var results = new T[count];
        var errors = new Exception?[count];
        var threads = Enumerable.Range(0, count).Select(r => new Thread(() =>
        {
            try { results[r] = body(r); }
            catch (Exception e) { errors[r] = e; }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        if (errors.FirstOrDefault(e => e is not null) is { } error) ExceptionDispatchInfo.Throw(error);
        return results;
    }

    private static Device Gpu(int index) => torch.device(DeviceType.CUDA, index);

    private static IntPtr Address(Tensor t) => NativeMethods.THSTensor_data(t.Handle);

    private static DistributedSettings Settings(int rank, int worldSize, int port) => new()
    {
        Rank = rank, WorldSize = worldSize, LocalRank = rank, MasterAddress = "127.0.0.1", MasterPort = port,
        RendezvousTimeout = TimeSpan.FromSeconds(120),
    };

}
