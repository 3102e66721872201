#!/usr/bin/python3
"""PyTorch peer for op-level timings: conv2d and attention, forward + backward.

Run:  OPENBLAS_NUM_THREADS=T OMP_NUM_THREADS=T /usr/bin/python3 bench/torch_ops.py --threads T [--reps 7] [--warmup 2]

Shapes are those of ../shared/peers/torch_clip_step.py at batch 128:
  conv   every ResNet convolution (no bias) and the ViT patch embedding; the
         3-channel image input needs no gradient, as in training.
  attn   softmax(q·kᵀ/8)·v as the peer's Block computes it, from
         contiguous q, k, v [128,4,T,64] (sdpa) and from a fused qkv
         projection [128,T,768] viewed and permuted into heads, output
         transposed back to [128,T,256] (qkv). T=65 (ViT) and T=32 causal (text).
Each op is timed as one forward plus backward with a fixed random output
gradient; the figure is the median of --reps runs after --warmup runs.
Prints one JSON line per op: {"op", "shape", "threads", "ms", "torch"}.
"""
import argparse, json, math, statistics, time
import torch
import torch.nn.functional as F

# (in channels, out channels, input size, kernel, stride, padding); the names
# match autograd.BenchmarkConv2d's c=/o=/h=/k=/s= levels.
CONV_SHAPES = [
    (3, 32, 64, 3, 1, 1), (32, 32, 64, 3, 1, 1), (32, 64, 64, 3, 2, 1), (32, 64, 64, 1, 2, 0),
    (64, 64, 32, 3, 1, 1), (64, 128, 32, 3, 2, 1), (64, 128, 32, 1, 2, 0),
    (128, 128, 16, 3, 1, 1), (128, 256, 16, 3, 2, 1), (128, 256, 16, 1, 2, 0),
    (256, 256, 8, 3, 1, 1), (3, 256, 64, 8, 8, 0),
]
# (name, batch, tokens, width, heads, causal)
ATTN_SHAPES = [("vit", 128, 65, 256, 4, False), ("text", 128, 32, 256, 4, True)]


def time_ms(step, reps, warmup):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def conv_step(n, c, o, h, k, s, p):
    x = torch.randn(n, c, h, h, requires_grad=c != 3)
    w = torch.randn(o, c, k, k, requires_grad=True)
    oh = (h + 2 * p - k) // s + 1
    gy = torch.randn(n, o, oh, oh)

    def step():
        x.grad = None
        w.grad = None
        F.conv2d(x, w, None, s, p).backward(gy)
    return step


def block_attention(q, k, v, mask):
    # As torch_clip_step.Block: explicit scores, scale, additive mask, softmax.
    att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(q.shape[-1]))
    if mask is not None:
        att = att + mask
    return att.softmax(dim=-1) @ v


def attn_step(kind, b, t, d, h, causal):
    mask = torch.full((t, t), float('-inf')).triu(1) if causal else None
    if kind == "sdpa":
        q, k, v = (torch.randn(b, h, t, d // h, requires_grad=True) for _ in range(3))
        gy = torch.randn(b, h, t, d // h)
        params = (q, k, v)

        def fwd():
            return block_attention(q, k, v, mask)
    else:
        qkv = torch.randn(b, t, 3 * d, requires_grad=True)
        gy = torch.randn(b, t, d)
        params = (qkv,)

        def fwd():
            q, k, v = qkv.view(b, t, 3, h, d // h).permute(2, 0, 3, 1, 4)
            return block_attention(q, k, v, mask).transpose(1, 2).reshape(b, t, d)

    def step():
        for p in params:
            p.grad = None
        fwd().backward(gy)
    return step


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--batch', type=int, default=128)
    ap.add_argument('--reps', type=int, default=7)
    ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--ops', default='conv,attn', help='comma-separated subset of conv,attn')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    ops = set(a.ops.split(','))

    def emit(op, shape, ms):
        print(json.dumps({"op": op, "shape": shape, "threads": a.threads, "ms": round(ms, 3),
                          "torch": torch.__version__}), flush=True)

    if 'conv' in ops:
        for c, o, h, k, s, p in CONV_SHAPES:
            ms = time_ms(conv_step(a.batch, c, o, h, k, s, p), a.reps, a.warmup)
            emit("conv2d", f"c={c}/o={o}/h={h}/k={k}/s={s}/n={a.batch}", ms)
    if 'attn' in ops:
        for name, _, t, d, h, causal in ATTN_SHAPES:
            for kind in ("sdpa", "qkv"):
                ms = time_ms(attn_step(kind, a.batch, t, d, h, causal), a.reps, a.warmup)
                emit("attention", f"{kind}/{name}/B={a.batch}/T={t}/D={d}/H={h}/causal={causal}", ms)


if __name__ == '__main__':
    main()
