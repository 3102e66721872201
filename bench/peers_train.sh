#!/usr/bin/env bash
# Compares one CLIP training step (and the image tower's no-grad forward) of
# mmpoison with PyTorch on this machine: ../shared/peers/torch_clip_step.py
# and bench/torch_embed.py against `mmpoison bench train|embed`, both
# archs, interleaved in one session, and rewrites the training section of
# bench/RESULTS.md. Settings via the environment: THREADS (2), STEPS (5),
# WARMUP (2), EMBED_STEPS (5), EMBED_WARMUP (1). About 6 CPU-minutes: < 10 minutes
# on an idle 2-core machine (17 minutes at load average 10).
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS=../shared/peers
[[ -f $PEERS/torch_clip_step.py ]] || { echo "peers_train.sh: $PEERS/torch_clip_step.py not found (need ../shared beside the checkout)" >&2; exit 1; }
THREADS=${THREADS:-2} STEPS=${STEPS:-5} WARMUP=${WARMUP:-2}
# The paper's sizes (../shared/peers/torch_clip_paper.py): PAPER=0 skips them
# (about 12 more minutes on 2 cores); PAPER_MODELS, PAPER_BATCH, PAPER_STEPS, PAPER_WARMUP.
PAPER=${PAPER:-1} PAPER_MODELS=${PAPER_MODELS:-"ViT-B-32 RN50"} PAPER_BATCH=${PAPER_BATCH:-32}
PAPER_STEPS=${PAPER_STEPS:-4} PAPER_WARMUP=${PAPER_WARMUP:-1}
EMBED_STEPS=${EMBED_STEPS:-5} EMBED_WARMUP=${EMBED_WARMUP:-1}

source bench/peers_common.sh
peer_install python3-torch libopenblas0-pthread
PEER_BLAS=$(peer_check)
echo "$PEER_BLAS" >&2

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Built once so compilation is neither timed nor repeated; the same as `go run ./cmd/mmpoison`.
go build -o "$tmp/mmpoison" ./cmd/mmpoison
export OPENBLAS_NUM_THREADS=$THREADS OMP_NUM_THREADS=$THREADS

precisions=fp32
if "$tmp/mmpoison" bench train --arch vit --precision bf16 --steps 1 --warmup 0 --batch 2 >/dev/null 2>&1; then
  precisions="fp32 bf16"
fi
# The fp32 FMA peak of THREADS cores: the ceiling a step's GEMM rate is set
# against (twice it for bf16, whose VDPBF16PS does two multiply-adds per lane).
gcc -O3 -mavx512f -fopenmp "$PEERS/fma_peak.c" -o "$tmp/fma_peak" 2>/dev/null || gcc -O3 -mavx2 -mfma -fopenmp "$PEERS/fma_peak.c" -o "$tmp/fma_peak"
FMA_PEAK=$(OMP_NUM_THREADS=$THREADS "$tmp/fma_peak" | sed -n 's/.*GFLOP\/s=\([0-9.]*\).*/\1/p')
echo "FMA peak on $THREADS threads: $FMA_PEAK GFLOP/s" >&2
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# Interleave peer and mmpoison per configuration: the machine is shared and noisy.
for arch in resnet vit; do
  for p in $precisions; do
    echo "train $arch $p" >&2
    peer /usr/bin/python3 "$PEERS/torch_clip_step.py" --arch "$arch" --precision "$p" --threads "$THREADS" --steps "$STEPS" --warmup "$WARMUP" | tee -a "$tmp/torch_train.txt" >&2
    "$tmp/mmpoison" bench train --arch "$arch" --precision "$p" --threads "$THREADS" --steps "$STEPS" --warmup "$WARMUP" --json | tee -a "$tmp/mm_train.json" >&2
  done
  echo "embed $arch" >&2
  peer /usr/bin/python3 bench/torch_embed.py --arch "$arch" --threads "$THREADS" --steps "$EMBED_STEPS" --warmup "$EMBED_WARMUP" | tee -a "$tmp/torch_embed.txt" >&2
  "$tmp/mmpoison" bench embed --arch "$arch" --threads "$THREADS" --steps "$EMBED_STEPS" --warmup "$EMBED_WARMUP" --json | tee -a "$tmp/mm_embed.json" >&2
done
touch "$tmp/torch_paper.txt" "$tmp/mm_paper.json"
if [[ $PAPER == 1 ]]; then
  for model in $PAPER_MODELS; do
    for p in $precisions; do
      echo "train $model $p, batch $PAPER_BATCH" >&2
      peer /usr/bin/python3 "$PEERS/torch_clip_paper.py" --model "$model" --precision "$p" --threads "$THREADS" --batch "$PAPER_BATCH" --steps "$PAPER_STEPS" --warmup "$PAPER_WARMUP" | tee -a "$tmp/torch_paper.txt" >&2
      "$tmp/mmpoison" bench train --model "$model" --precision "$p" --threads "$THREADS" --batch "$PAPER_BATCH" --steps "$PAPER_STEPS" --warmup "$PAPER_WARMUP" --json | tee -a "$tmp/mm_paper.json" >&2
    done
  done
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

tables=$(python3 - "$tmp" "$FMA_PEAK" <<'PY'
import json, re, sys
d, peak = sys.argv[1], float(sys.argv[2] or 0)
def peer(name):
    out = {}
    for line in open(f"{d}/{name}"):
        if line.startswith("RESULT"):
            kv = dict(re.findall(r"(\w+)=(\S+)", line))
            out[(kv.get("arch") or kv["model"], kv.get("precision", "fp32"))] = kv
    return out
def ratio(a, b):
    return f"{a/b:.2f}x" if b else "n/a"
def rss(v):
    return "unavailable" if v is None else f"{v:.0f}"
pt, pe = peer("torch_train.txt"), peer("torch_embed.txt")
print("| arch | precision | mmpoison pairs/s | PyTorch pairs/s | ratio | mmpoison peak RSS MiB | PyTorch peak RSS MiB |")
print("|---|---|---|---|---|---|---|")
for line in open(f"{d}/mm_train.json"):
    r = json.loads(line); t = pt.get((r["arch"], r["precision"]), {})
    tp = float(t.get("pairs_per_s", 0))
    print(f"| {r['arch']} | {r['precision']} | {r['pairs_per_s']:.1f} ({r['simd']}) | {tp:.1f} | {ratio(r['pairs_per_s'], tp)} | {rss(r['peak_rss_mb'])} | {t.get('peak_rss_MiB', 'n/a')} |")
paper = [json.loads(l) for l in open(f"{d}/mm_paper.json") if l.strip()]
if paper:
    pp = peer("torch_paper.txt")
    print()
    print(f"The paper's sizes at 224 px (../shared/peers/torch_clip_paper.py), batch {paper[0]['batch']}. GEMM GFLOP per step is counted by mmpoison (simd.GemmFlops); the ceiling is the FMA peak of these cores ({peak:.0f} GFLOP/s), twice it for bf16.")
    print()
    print("| model | precision | mmpoison pairs/s | PyTorch pairs/s | ratio | GEMM GFLOP per step | GEMM GFLOP/s (share of ceiling) | kernel share of CPU time | mmpoison peak RSS MiB | PyTorch peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in paper:
        t = pp.get((r["arch"], r["precision"]), {})
        tp = float(t.get("pairs_per_s", 0))
        ceiling = peak * (2 if r["precision"] == "bf16" else 1)
        share = f" ({r['gemm_gflops']/ceiling:.0%})" if ceiling else ""
        print(f"| {r['arch']} | {r['precision']} | {r['pairs_per_s']:.2f} | {tp:.2f} | {ratio(r['pairs_per_s'], tp)} | {r['gemm_gflop_per_step']:.0f} | {r['gemm_gflops']:.0f}{share} | {r['system_share']:.1%} | {rss(r['peak_rss_mb'])} | {t.get('peak_rss_MiB', 'n/a')} |")
print()
print("| arch | mmpoison images/s (no grad) | PyTorch images/s (no_grad) | ratio | mmpoison peak RSS MiB | PyTorch peak RSS MiB |")
print("|---|---|---|---|---|---|")
for line in open(f"{d}/mm_embed.json"):
    r = json.loads(line); t = pe.get((r["arch"], "fp32"), {})
    tp = float(t.get("images_per_s", 0))
    print(f"| {r['arch']} | {r['images_per_s']:.1f} | {tp:.1f} | {ratio(r['images_per_s'], tp)} | {rss(r['peak_rss_mb'])} | {t.get('peak_rss_MiB', 'n/a')} |")
PY
)

section="$tmp/section.md"
{
  echo "<!-- train:begin (written by bench/peers_train.sh) -->"
  echo "## CLIP training step and image embedding (batch 128, 64×64, ../shared/peers/torch_clip_step.py config)"
  echo
  echo "Machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%Y-%m-%d). $THREADS threads each; medians of $STEPS training steps after $WARMUP warm-up (embedding: $EMBED_STEPS after $EMBED_WARMUP), peer and mmpoison interleaved in one session. $PEER_BLAS; FMA peak of $THREADS cores (fma_peak.c) $FMA_PEAK GFLOP/s. Load average (1/5/15 min) before: $load_before, after: $load_after."
  echo "Precisions: $precisions; bf16 is mixed precision (PyTorch: torch.autocast; mmpoison: GEMMs of at least 2^15 multiply-adds in bf16 with fp32 accumulation, fp32 master weights). Peak RSS: VmHWM of the mmpoison process; ru_maxrss of the Python process (includes the interpreter and torch libraries)."
  echo
  echo "$tables"
  echo "<!-- train:end -->"
} >"$section"

results=bench/RESULTS.md
touch "$results"
python3 - "$results" "$section" <<'PY'
import re, sys
path, sec = sys.argv[1], open(sys.argv[2]).read().rstrip("\n")
text = open(path).read()
pat = re.compile(r"<!-- train:begin.*?<!-- train:end -->", re.S)
text = pat.sub(lambda _: sec, text) if pat.search(text) else (text.rstrip("\n") + "\n\n" + sec + "\n").lstrip("\n")
open(path, "w").write(text)
PY
cat "$section"
