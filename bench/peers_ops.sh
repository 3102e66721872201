#!/usr/bin/env bash
# Op-level speed against PyTorch: conv2d forward+backward on every ResNet
# convolution of ../shared/peers/torch_clip_step.py (plus the ViT patch
# embedding) and attention forward+backward at the ViT and causal text
# shapes, batch 128, fp32, 1 and 2 threads. Runs bench/torch_ops.py and the
# autograd benchmarks (BenchmarkConv2d n=128, BenchmarkAttentionOp)
# interleaved, ROUNDS times, and rewrites the ops section of bench/RESULTS.md.
# Settings via the environment: ROUNDS (2), REPS (3, timed runs per op and
# round, after one warm-up), THREADS ("1 2"). Takes ~10-20 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-2} REPS=${REPS:-3} THREADS=${THREADS:-"1 2"}

if ! dpkg -s python3-torch >/dev/null 2>&1; then
  echo "installing python3-torch" >&2
  apt-get update && apt-get install -y python3-torch
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Built once so compilation is neither timed nor repeated.
go test -c -o "$tmp/autograd.test" ./autograd
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# Interleave peer and mmpoison per thread count and round: the machine is
# shared and noisy, so both see the same spells of load. GOMAXPROCS (read
# when the worker pool starts) sets mmpoison's threads; OpenBLAS and OpenMP
# need their own variables besides torch.set_num_threads.
for ((r = 1; r <= ROUNDS; r++)); do
  for t in $THREADS; do
    echo "round $r threads $t" >&2
    OPENBLAS_NUM_THREADS=$t OMP_NUM_THREADS=$t /usr/bin/python3 bench/torch_ops.py --threads "$t" --reps "$REPS" --warmup 1 | tee -a "$tmp/torch.json" >&2
    for pat in 'Conv2d//////n=128' 'AttentionOp'; do
      GOMAXPROCS=$t "$tmp/autograd.test" -test.run '^$' -test.bench "$pat" -test.benchtime "${REPS}x" |
        sed -n "s/^Benchmark/threads=$t &/p" | tee -a "$tmp/mm.txt" >&2
    done
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

table=$(python3 - "$tmp/torch.json" "$tmp/mm.txt" <<'PY'
import json, re, statistics, sys
from collections import defaultdict
torch, mm, order = defaultdict(list), defaultdict(list), []
version = "?"
for line in open(sys.argv[1]):
    r = json.loads(line); key = (r["op"], r["shape"], r["threads"])
    torch[key].append(r["ms"]); version = r["torch"]
for line in open(sys.argv[2]):
    m = re.match(r"threads=(\d+) Benchmark(Conv2d|AttentionOp)/(\S+?)(-\d+)?\s.*?([\d.]+) ms-median", line)
    if not m:
        continue
    t, bench, shape, _, ms = m.groups()
    op = "conv2d" if bench == "Conv2d" else "attention"
    key = (op, shape.replace("causal=false", "causal=False").replace("causal=true", "causal=True"), int(t))
    if key not in mm:
        order.append(key)
    mm[key].append(float(ms))
print(f"| op | shape | threads | mmpoison ms | PyTorch {version} ms | ratio torch/ours |")
print("|---|---|---|---|---|---|")
for key in sorted(order, key=lambda k: (k[2], order.index(k))):
    ours = statistics.median(mm[key]); peer = statistics.median(torch[key]) if torch[key] else None
    ratio = f"{peer/ours:.2f}x" if peer else "n/a"
    print(f"| {key[0]} | {key[1]} | {key[2]} | {ours:.1f} | {peer:.1f} | {ratio} |" if peer else f"| {key[0]} | {key[1]} | {key[2]} | {ours:.1f} | n/a | n/a |")
PY
)

section="$tmp/section.md"
{
  echo "<!-- ops:begin (written by bench/peers_ops.sh) -->"
  echo "## Ops: conv2d and attention, forward + backward (fp32, batch 128)"
  echo
  echo "Machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%Y-%m-%d). Each figure is the median over $ROUNDS rounds of the median of $REPS runs (after one warm-up) of one forward plus backward pass; PyTorch (bench/torch_ops.py) and mmpoison (\`go test ./autograd -bench 'Conv2d//////n=128|AttentionOp'\`) interleaved per round and thread count. Load average (1/5/15 min) before: $load_before, after: $load_after."
  echo "conv2d shapes are c(in)/o(out)/h(input size)/k(kernel)/s(stride), padding k/2 for 3x3; the 3-channel image input needs no gradient. attention: sdpa takes contiguous q, k, v [B,H,T,64]; qkv takes a fused [B,T,3D] projection (PyTorch: view + permute, output transposed back to [B,T,D]); PyTorch computes softmax(q·kᵀ/8 + mask)·v explicitly as the peer's Block does."
  echo
  echo "$table"
  echo "<!-- ops:end -->"
} >"$section"

results=bench/RESULTS.md
touch "$results"
python3 - "$results" "$section" <<'PY'
import re, sys
path, sec = sys.argv[1], open(sys.argv[2]).read().rstrip("\n")
text = open(path).read()
pat = re.compile(r"<!-- ops:begin.*?<!-- ops:end -->", re.S)
text = pat.sub(lambda _: sec, text) if pat.search(text) else (text.rstrip("\n") + "\n\n" + sec + "\n").lstrip("\n")
open(path, "w").write(text)
PY
cat "$section"
