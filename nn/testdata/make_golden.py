#!/usr/bin/env python3
"""Golden files for the nn parity tests (nn/parity_test.go).

Regenerate from the repository root with Debian's PyTorch:
    /usr/bin/python3 nn/testdata/make_golden.py
It writes one small .safetensors file per case into this directory. Inputs are
drawn in float32 with torch.manual_seed(0); every computation then runs in
float64 from those exact float32 values and the results are rounded to float32
on output, so the goldens are as accurate as float32 can hold and the Go
float32 code is compared against the true answer, not against PyTorch's own
float32 rounding.

The safetensors format is written by hand (the python package is not in
Debian): 8-byte little-endian header length, JSON header padded with spaces to
a multiple of 8, then the float32 data in key order.
"""
import json
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


def write_safetensors(name, tensors):
    """Store {key: tensor} as F32 with sorted keys (the layout Go's Write uses)."""
    header, blobs, offset = {}, [], 0
    for key in sorted(tensors):
        t = tensors[key].detach().to(torch.float32).contiguous()
        data = t.numpy().astype("<f4").tobytes()
        header[key] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"generator": "nn/testdata/make_golden.py", "torch": torch.__version__, "seed": "0"}
    js = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    js += b" " * (-len(js) % 8)
    path = os.path.join(HERE, name + ".safetensors")
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(js)) + js + b"".join(blobs))
    print(f"{path}: {len(tensors)} tensors, {8 + len(js) + offset} bytes")


def randn(*shape, scale=1.0, shift=0.0):
    """A float32 normal draw (times scale plus shift, rounded to float32), held
    as float64: the stored float32 inputs are exactly the values computed on."""
    return (torch.randn(*shape, dtype=torch.float32) * scale + shift).to(torch.float32).double()


def leaf(t):
    return t.clone().requires_grad_(True)


def linear_case():
    lin = nn.Linear(8, 5).double()
    with torch.no_grad():  # re-draw in float32 so the stored weights are exact
        lin.weight.copy_(randn(5, 8, scale=0.3))
        lin.bias.copy_(randn(5, scale=0.1))
    x = leaf(randn(3, 8))
    y = lin(x)
    dy = randn(3, 5)
    y.backward(dy)
    write_safetensors("linear", {
        "linear.weight": lin.weight, "linear.bias": lin.bias, "linear.x": x, "linear.y": y,
        "linear.dy": dy, "linear.dx": x.grad, "linear.dweight": lin.weight.grad, "linear.dbias": lin.bias.grad,
    })


def convbn_case():
    conv = nn.Conv2d(3, 4, 3, stride=2, padding=1, bias=False).double()
    bn = nn.BatchNorm2d(4).double()  # momentum 0.1, eps 1e-5, train mode
    with torch.no_grad():
        conv.weight.copy_(randn(4, 3, 3, 3, scale=0.3))
        bn.weight.copy_(randn(4, scale=0.2, shift=1.0))
        bn.bias.copy_(randn(4, scale=0.1))
    gamma0, beta0 = bn.weight.detach().clone(), bn.bias.detach().clone()
    x = leaf(randn(2, 3, 7, 7))
    c = conv(x)
    c.retain_grad()
    y = bn(c)
    dy = randn(*y.shape)
    y.backward(dy)
    bn.eval()
    with torch.no_grad():
        y_eval = bn(conv(x))
    write_safetensors("convbn", {
        "convbn.conv.weight": conv.weight, "convbn.bn.weight": gamma0, "convbn.bn.bias": beta0,
        "convbn.x": x, "convbn.conv_out": c, "convbn.y": y, "convbn.dy": dy,
        "convbn.dx": x.grad, "convbn.dconv_out": c.grad, "convbn.dconv.weight": conv.weight.grad,
        "convbn.dbn.weight": bn.weight.grad, "convbn.dbn.bias": bn.bias.grad,
        "convbn.bn.running_mean": bn.running_mean, "convbn.bn.running_var": bn.running_var,
        "convbn.y_eval": y_eval,
    })


def layernorm_case():
    ln = nn.LayerNorm(6).double()  # eps 1e-5
    with torch.no_grad():
        ln.weight.copy_(randn(6, scale=0.2, shift=1.0))
        ln.bias.copy_(randn(6, scale=0.1))
    x = leaf(randn(4, 6, scale=2.0, shift=0.5))
    y = ln(x)
    dy = randn(4, 6)
    y.backward(dy)
    write_safetensors("layernorm", {
        "layernorm.weight": ln.weight, "layernorm.bias": ln.bias, "layernorm.x": x, "layernorm.y": y,
        "layernorm.dy": dy, "layernorm.dx": x.grad, "layernorm.dweight": ln.weight.grad, "layernorm.dbias": ln.bias.grad,
    })


def mha_case():
    mha = nn.MultiheadAttention(8, 2, batch_first=True).double()
    with torch.no_grad():  # non-zero biases so their gradients are exercised
        mha.in_proj_weight.copy_(randn(24, 8, scale=0.3))
        mha.in_proj_bias.copy_(randn(24, scale=0.1))
        mha.out_proj.weight.copy_(randn(8, 8, scale=0.3))
        mha.out_proj.bias.copy_(randn(8, scale=0.1))
    x = leaf(randn(2, 5, 8))
    causal = torch.triu(torch.ones(5, 5, dtype=torch.bool), diagonal=1)  # True = may not attend
    y, _ = mha(x, x, x, attn_mask=causal, need_weights=False)
    dy = randn(2, 5, 8)
    y.backward(dy)
    write_safetensors("mha", {
        "mha.in_proj_weight": mha.in_proj_weight, "mha.in_proj_bias": mha.in_proj_bias,
        "mha.out_proj.weight": mha.out_proj.weight, "mha.out_proj.bias": mha.out_proj.bias,
        "mha.x": x, "mha.y": y, "mha.dy": dy, "mha.dx": x.grad,
        "mha.din_proj_weight": mha.in_proj_weight.grad, "mha.din_proj_bias": mha.in_proj_bias.grad,
        "mha.dout_proj.weight": mha.out_proj.weight.grad, "mha.dout_proj.bias": mha.out_proj.bias.grad,
    })


def cross_entropy_case():
    logits = leaf(randn(4, 7, scale=2.0))
    target = torch.tensor([3, 0, 6, 3])
    loss = F.cross_entropy(logits, target)  # mean over the batch
    loss.backward()
    write_safetensors("ce", {
        "ce.logits": logits, "ce.target": target.double(), "ce.loss": loss.reshape(()), "ce.dlogits": logits.grad,
    })


def adamw_case():
    """Two AdamW steps, each after clipping the global gradient norm to 0.5.
    Group 0 (a matrix) decays with 0.1, group 1 (a bias) does not. Two steps,
    because after one step bias correction makes Adam's update ≈ lr·sign(g)."""
    w = leaf(randn(3, 4))
    b = leaf(randn(5))
    out = {"adamw.w.before": w.detach().clone(), "adamw.b.before": b.detach().clone()}
    opt = torch.optim.AdamW([{"params": [w], "weight_decay": 0.1}, {"params": [b], "weight_decay": 0.0}],
                            lr=1e-2, betas=(0.9, 0.98), eps=1e-6)
    for step in (1, 2):
        gw, gb = randn(3, 4), randn(5, scale=0.5)
        w.grad, b.grad = gw.clone(), gb.clone()
        norm = torch.nn.utils.clip_grad_norm_([w, b], max_norm=0.5)
        opt.step()
        s = f"adamw.step{step}."
        out.update({
            s + "w.grad": gw, s + "b.grad": gb, s + "grad_norm": norm.reshape(()),
            s + "w.clipped_grad": w.grad, s + "b.clipped_grad": b.grad,
            s + "w.after": w.detach().clone(), s + "b.after": b.detach().clone(),
            s + "w.exp_avg": opt.state[w]["exp_avg"].clone(), s + "w.exp_avg_sq": opt.state[w]["exp_avg_sq"].clone(),
            s + "b.exp_avg": opt.state[b]["exp_avg"].clone(), s + "b.exp_avg_sq": opt.state[b]["exp_avg_sq"].clone(),
        })
    write_safetensors("adamw", out)


if __name__ == "__main__":
    torch.manual_seed(0)
    linear_case()
    convbn_case()
    layernorm_case()
    mha_case()
    cross_entropy_case()
    adamw_case()
