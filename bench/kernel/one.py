"""Runs one kernel configuration a few times (for ncu / compute-sanitizer): python3 one.py B H N d G [dtype]."""
import sys

import torch

import distr_attention as da

B, H, N, d, G = (int(x) for x in sys.argv[1:6])
dtype = torch.bfloat16 if len(sys.argv) > 6 and sys.argv[6] == "bf16" else torch.float16
q, k, v = (torch.randn(B, H, N, d, device="cuda", dtype=dtype) for _ in range(3))
o = torch.empty_like(q)
R = da.make_r(128)
p = da.build_params(q, k, v, o, R, G, 128)
for _ in range(4):
    da.forward_into(p)
torch.cuda.synchronize()
print("ok", float(o.float().norm()))
