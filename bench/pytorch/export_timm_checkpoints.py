#!/usr/bin/env python3
"""Writes timm ViT checkpoints (random weights, fixed seeds) and their logits for the C# import check.

    python3 bench/pytorch/export_timm_checkpoints.py OUTDIR
    distrattention-gpu timm-check OUTDIR          # the C# side (tests/DistrAttention.GpuTests/TimmImportChecks.cs)

For each of vit_tiny_patch16_224, vit_small_patch16_224 and vit_base_patch16_384 (timm.create_model with
pretrained=False after torch.manual_seed(SEED), so nothing is downloaded):

  <name>.safetensors      the state dict, timm names (cls_token, pos_embed, patch_embed.proj.*, blocks.{i}.*, norm.*,
                          head.*), float32, contiguous
  <name>.io.safetensors   'images' [4, 3, S, S] float32 (N(0, 1) from a torch.Generator seeded with INPUT_SEED, on the
                          CPU) and 'logits' [4, 1000] float32: timm's forward in eval mode on the CPU in float32;
                          also 'logits_float64', the same forward in float64 (how good the float32 reference is)

and, for vit_tiny_patch16_224 only, <name>.hf.safetensors: the same tensors under the names Hugging Face's
ViTForImageClassification gives them (vit.embeddings.*, vit.encoder.layer.{i}.attention.attention.query/key/value.*
from timm's fused qkv split in three along dim 0, vit.layernorm.*, classifier.*), metadata {"format": "pt"}.

manifest.json lists the models (name, files, image size, patch size, embed dim, depth, heads, MLP ratio, classes,
seeds) with the timm/torch versions. The run is deterministic (CPU only, deterministic algorithms); it needs torch,
timm and safetensors and no network. It prints one line per file written.
"""
import argparse
import json
import os
import sys

import torch

# (timm name, weight seed): torch.manual_seed(seed) right before create_model; the input batch uses seed + 1000.
MODELS = [
    ("vit_tiny_patch16_224", 1701),
    ("vit_small_patch16_224", 1702),
    ("vit_base_patch16_384", 1703),
]
HF_EXPORT = "vit_tiny_patch16_224"
BATCH = 4
INPUT_SEED_OFFSET = 1000


def hf_names(state, depth):
    """timm state dict -> Hugging Face ViTForImageClassification names (the inverse of src/VitModel/Weights/HuggingFaceNames.cs)."""
    fixed = {
        "cls_token": "vit.embeddings.cls_token",
        "pos_embed": "vit.embeddings.position_embeddings",
        "patch_embed.proj.weight": "vit.embeddings.patch_embeddings.projection.weight",
        "patch_embed.proj.bias": "vit.embeddings.patch_embeddings.projection.bias",
        "norm.weight": "vit.layernorm.weight",
        "norm.bias": "vit.layernorm.bias",
        "head.weight": "classifier.weight",
        "head.bias": "classifier.bias",
    }
    per_layer = {
        "norm1": "layernorm_before",
        "attn.proj": "attention.output.dense",
        "norm2": "layernorm_after",
        "mlp.fc1": "intermediate.dense",
        "mlp.fc2": "output.dense",
    }
    out = {}
    for timm_name, hf in fixed.items():
        out[hf] = state[timm_name]
    for i in range(depth):
        for part in ("weight", "bias"):
            for timm_name, hf in per_layer.items():
                out[f"vit.encoder.layer.{i}.{hf}.{part}"] = state[f"blocks.{i}.{timm_name}.{part}"]
            # timm's qkv output is laid out [3, heads, head_dim] (reshape(B, N, 3, H, d)): rows 0..D-1 are the query
            q, k, v = state[f"blocks.{i}.attn.qkv.{part}"].chunk(3, dim=0)
            out[f"vit.encoder.layer.{i}.attention.attention.query.{part}"] = q
            out[f"vit.encoder.layer.{i}.attention.attention.key.{part}"] = k
            out[f"vit.encoder.layer.{i}.attention.attention.value.{part}"] = v
    used = set(fixed) | {f"blocks.{i}.{t}.{p}" for i in range(depth) for t in list(per_layer) + ["attn.qkv"] for p in ("weight", "bias")}
    left = sorted(set(state) - used)
    if left:
        raise SystemExit(f"timm tensors without a Hugging Face name: {left[:10]}")
    return out


def owned(tensors):
    """Contiguous float32 copies that share no storage (safetensors refuses shared or strided tensors)."""
    return {k: v.detach().to(torch.float32).contiguous().clone() for k, v in tensors.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", help="folder to write the checkpoints, batches and manifest.json to")
    parser.add_argument("--models", default=",".join(m for m, _ in MODELS),
                        help="comma-separated subset of " + ", ".join(m for m, _ in MODELS))
    args = parser.parse_args()

    import timm
    from safetensors.torch import save_file

    wanted = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in wanted if m not in dict(MODELS)]
    if unknown:
        raise SystemExit(f"--models: unknown {unknown}; expected some of {[m for m, _ in MODELS]}")

    os.makedirs(args.outdir, exist_ok=True)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(max(1, min(8, os.cpu_count() or 1)))
    print(f"timm {timm.__version__}, torch {torch.__version__}, output {os.path.abspath(args.outdir)}", flush=True)

    entries = []
    for name, seed in MODELS:
        if name not in wanted:
            continue
        torch.manual_seed(seed)
        model = timm.create_model(name, pretrained=False)
        model.eval()
        image_size = int(model.patch_embed.img_size[0])
        patch_size = int(model.patch_embed.patch_size[0])
        embed_dim = int(model.embed_dim)
        depth = len(model.blocks)
        heads = int(model.blocks[0].attn.num_heads)
        mlp_ratio = model.blocks[0].mlp.fc1.out_features / embed_dim
        classes = int(model.num_classes)

        state = owned(model.state_dict())
        weights_file = f"{name}.safetensors"
        save_file(state, os.path.join(args.outdir, weights_file), metadata={"format": "pt"})
        print(f"wrote {weights_file}: {len(state)} tensors, {sum(t.numel() for t in state.values()):,} values, seed {seed}", flush=True)

        input_seed = seed + INPUT_SEED_OFFSET
        generator = torch.Generator().manual_seed(input_seed)
        images = torch.randn(BATCH, 3, image_size, image_size, generator=generator, dtype=torch.float32)
        with torch.no_grad():
            logits = model(images).float()
            logits64 = model.double()(images.double())
        model.float()
        rel64 = ((logits.double() - logits64).norm() / logits64.norm()).item()
        io_file = f"{name}.io.safetensors"
        save_file(owned({"images": images, "logits": logits}) | {"logits_float64": logits64.contiguous().clone()},
                  os.path.join(args.outdir, io_file), metadata={"format": "pt", "model": name, "input_seed": str(input_seed)})
        print(f"wrote {io_file}: images {list(images.shape)} (seed {input_seed}), logits {list(logits.shape)} "
              f"(CPU, eval, float32; |logits| rms {logits.pow(2).mean().sqrt().item():.4f}; "
              f"float32 vs float64 rel err {rel64:.2e})", flush=True)

        entry = {
            "name": name, "weights": weights_file, "io": io_file,
            "image_size": image_size, "patch_size": patch_size, "channels": 3, "embed_dim": embed_dim,
            "depth": depth, "num_heads": heads, "mlp_ratio": mlp_ratio, "num_classes": classes,
            "seed": seed, "input_seed": input_seed, "batch": BATCH,
        }
        if name == HF_EXPORT:
            hf = owned(hf_names(state, depth))
            hf_file = f"{name}.hf.safetensors"
            save_file(hf, os.path.join(args.outdir, hf_file), metadata={"format": "pt"})
            entry["hf_weights"] = hf_file
            print(f"wrote {hf_file}: {len(hf)} tensors, Hugging Face ViTForImageClassification names", flush=True)
        entries.append(entry)
        del model

    manifest = {"timm": timm.__version__, "torch": torch.__version__, "models": entries}
    with open(os.path.join(args.outdir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(f"wrote manifest.json: {len(entries)} models", flush=True)


if __name__ == "__main__":
    sys.exit(main())
