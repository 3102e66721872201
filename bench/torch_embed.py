#!/usr/bin/python3
"""Image-tower inference throughput of ../shared/peers/torch_clip_step.py's models (PyTorch CPU).

Run:  /usr/bin/python3 bench/torch_embed.py --arch resnet|vit [--threads 2] [--batch 128] [--steps 20] [--warmup 3]
Times model.visual in eval mode under torch.no_grad() on one fixed batch of N(0,1) images,
the counterpart of `mmpoison bench embed`. Prints per-step times and a RESULT line.
"""
import argparse, os, resource, statistics, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'shared', 'peers'))
import torch  # noqa: E402
from torch_clip_step import CFG, ResNetEnc, ViTEnc  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--arch', choices=['resnet', 'vit'], default='resnet')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--batch', type=int, default=CFG['batch'])
    ap.add_argument('--steps', type=int, default=20)
    ap.add_argument('--warmup', type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads); torch.manual_seed(0)
    visual = (ResNetEnc(CFG) if a.arch == 'resnet' else ViTEnc(CFG)).eval()
    img = torch.randn(a.batch, 3, CFG['img'], CFG['img'])
    times = []
    with torch.no_grad():
        for s in range(a.warmup + a.steps):
            t0 = time.perf_counter()
            visual(img)
            dt = time.perf_counter() - t0
            if s >= a.warmup:
                times.append(dt)
    med = statistics.median(times)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"torch {torch.__version__} embed arch={a.arch} threads={a.threads} batch={a.batch}")
    print("step_s " + " ".join(f"{t:.3f}" for t in times))
    print(f"RESULT arch={a.arch} median_step_s={med:.3f} images_per_s={a.batch/med:.1f} peak_rss_MiB={rss:.0f}")


if __name__ == '__main__':
    main()
