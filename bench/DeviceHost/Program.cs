using DistrAttention.GpuTests;
using ImageClassification.Cli;

// distrattention-gpu [--out DIR]                 : the C# GPU suite (skips with exit 0 when CUDA is not available)
// distrattention-gpu sample ARGS...              : the sample CLI (train, evaluate, predict, benchmark, ...)
// distrattention-gpu probe MODEL SIZE N [train]  : N fp16 forwards (or bf16 training steps) only, for a kernel profiler
// distrattention-gpu timm-check DIR              : timm/HF checkpoint import vs timm's logits, then a fine-tune
return args is ["sample", .. var rest] ? VitSampleCli.RunAsProgram(rest) : GpuSuite.Run(args);
