#!/usr/bin/python3
"""Golden PyTorch files for clipmodel/torchformats_test.go: the models of
make_parity.py saved the ways users get CLIP weights, read back in pure Go.

Run from the repository root with Debian's python3-torch:

    /usr/bin/python3 clipmodel/testdata/make_torch_formats.py

For each tower type T in rn and vit it builds make_parity.py's model with
the weights of parity_T.safetensors and writes
  parity_T_jit.pt          a TorchScript archive, as OpenAI ships RN50.pt:
                           torch.jit.trace_module of encode_image and
                           encode_text, then .half(), then torch.jit.save
  parity_T_f16_io.safetensors  image_embeds / text_embeds of that model (its
                           float16 weights widened back to float32) on the
                           inputs of parity_T_io.safetensors
  parity_T_state.pt        torch.save of the float32 state dict (int64
                           num_batches_tracked and all); for vit wrapped as
                           {"state_dict": ..., "epoch": 3} with DataParallel's
                           "module." prefix, as training scripts save them
"""

import copy
import json
import os
import struct
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
from make_parity import CLIP, CONFIGS, write_safetensors  # noqa: E402


def read_safetensors(path):
    """{name: tensor} of an F32/F16 safetensors file (as write_safetensors writes them)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        lo, hi = e["data_offsets"]
        dtype = {"F32": torch.float32, "F16": torch.float16}[e["dtype"]]
        out[name] = torch.frombuffer(bytearray(data[lo:hi]), dtype=dtype).reshape(e["shape"]).float()
    return out


def build(tag, cfg):
    torch.manual_seed(0)
    model = CLIP(cfg)
    weights = read_safetensors(os.path.join(HERE, f"parity_{tag}.safetensors"))
    sd = model.state_dict()
    model.load_state_dict({k: weights[k].to(sd[k].dtype) for k in sd})  # num_batches_tracked back to int64
    model.eval()
    io = read_safetensors(os.path.join(HERE, f"parity_{tag}_io.safetensors"))
    images, ids = io["images"], io["ids"].long()

    sd = model.state_dict()
    if tag == "vit":
        torch.save({"state_dict": {"module." + k: v for k, v in sd.items()}, "epoch": 3},
                   os.path.join(HERE, f"parity_{tag}_state.pt"))
    else:
        torch.save(sd, os.path.join(HERE, f"parity_{tag}_state.pt"))

    with torch.no_grad():
        traced = torch.jit.trace_module(copy.deepcopy(model), {"encode_image": (images,), "encode_text": (ids,)})
    traced = traced.half()  # the copy's weights only: the traced module shares them
    torch.jit.save(traced, os.path.join(HERE, f"parity_{tag}_jit.pt"))

    with torch.no_grad():
        for v in model.state_dict().values():
            if v.is_floating_point():
                v.copy_(v.half().float())
        img = model.encode_image(images)
        txt = model.encode_text(ids)
    io = {"image_embeds": img / img.norm(dim=-1, keepdim=True), "text_embeds": txt / txt.norm(dim=-1, keepdim=True)}
    write_safetensors(os.path.join(HERE, f"parity_{tag}_f16_io.safetensors"), io, {"made_by": "make_torch_formats.py"})
    print(f"{tag}: wrote parity_{tag}_state.pt, parity_{tag}_jit.pt, parity_{tag}_f16_io.safetensors")


if __name__ == "__main__":
    for tag, cfg in CONFIGS.items():
        build(tag, cfg)
