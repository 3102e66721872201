#!/usr/bin/env bash
# Compares mmpoison SGEMM with OpenBLAS (and prints torch.mm) and the bf16 GEMM
# with torch.mm in bfloat16 on this machine, 1 and 2 threads, and rewrites the
# two GEMM sections of bench/RESULTS.md.
# Run from anywhere; the peers live in ../shared/peers beside the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS=../shared/peers
[[ -f $PEERS/blas_sgemm.c ]] || { echo "peers_gemm.sh: $PEERS/blas_sgemm.c not found (need ../shared beside the checkout)" >&2; exit 1; }

source bench/peers_common.sh
peer_install libopenblas-dev python3-torch
PEER_BLAS=$(peer_check)
echo "$PEER_BLAS" >&2

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gcc -O2 "$PEERS/blas_sgemm.c" -o "$tmp/blas_sgemm" -lopenblas
go build -o "$tmp/gemm" ./bench/cmd/gemm
SHAPES=1024x1024x1024,2048x2048x2048,256x512x2048

# Interleave peer and mmpoison per thread count, ROUNDS times over: the
# machine is shared and noisy, so each figure is the median over rounds of the
# per-run medians, and peer and mmpoison see the same spells of load.
ROUNDS=${ROUNDS:-3}
for ((r = 1; r <= ROUNDS; r++)); do
  for t in 1 2; do
    peer env OPENBLAS_NUM_THREADS=$t "$tmp/blas_sgemm" | sed "s/^/threads=$t /" >>"$tmp/blas.txt"
    GOMAXPROCS=$t "$tmp/gemm" --threads "$t" --shapes "$SHAPES" --json >>"$tmp/mm.json"
    peer env OPENBLAS_NUM_THREADS=$t OMP_NUM_THREADS=$t /usr/bin/python3 "$PEERS/torch_mm.py" --threads "$t" --dtypes float32 >>"$tmp/torch.txt" || echo "torch_mm.py failed (threads=$t)" >&2
    GOMAXPROCS=$t "$tmp/gemm" --dtype bf16 --threads "$t" --shapes "$SHAPES" --json >>"$tmp/mm_bf16.json"
    OPENBLAS_NUM_THREADS=$t OMP_NUM_THREADS=$t /usr/bin/python3 "$PEERS/torch_mm.py" --threads "$t" --dtypes bfloat16 >>"$tmp/torch_bf16.txt" || echo "torch_mm.py bfloat16 failed (threads=$t)" >&2
  done
done
cat "$tmp/blas.txt" "$tmp/torch.txt" "$tmp/mm.json" "$tmp/torch_bf16.txt" "$tmp/mm_bf16.json" >&2

table=$(python3 - "$tmp/blas.txt" "$tmp/mm.json" "$tmp/torch.txt" <<'PY'
import json, re, statistics, sys
from collections import defaultdict
def peer(path, prefix):
    out = defaultdict(list)
    for line in open(path):
        t = re.search(r"threads=(\d+)", line); s = re.search(r"M=(\d+) K=(\d+) N=(\d+).*median=([\d.]+)", line)
        if t and s and prefix in line:
            out[(int(t.group(1)),) + tuple(map(int, s.groups()[:3]))].append(float(s.group(4)))
    return {k: statistics.median(v) for k, v in out.items()}
blas = peer(sys.argv[1], "openblas"); torch = peer(sys.argv[3], "float32")
mm, impl = defaultdict(list), {}
for line in open(sys.argv[2]):
    r = json.loads(line); key = (r["threads"], r["m"], r["k"], r["n"])
    mm[key].append(r["gflops"]); impl[key] = r["impl"]
print("| M×K×N | threads | mmpoison GFLOP/s | OpenBLAS GFLOP/s | ratio | torch.mm fp32 GFLOP/s |")
print("|---|---|---|---|---|---|")
for key in mm:  # first-seen order: threads, then SHAPES order
    t, m, k, n = key; g = statistics.median(mm[key]); b = blas.get(key); tt = torch.get(key)
    ratio = f"{g/b:.2f}x" if b else "n/a"
    fmt = lambda v: f"{v:.1f}" if v else "n/a"
    print(f"| {m}×{k}×{n} | {t} | {g:.1f} ({impl[key]}) | {fmt(b)} | {ratio} | {fmt(tt)} |")
PY
)

bf16_table=$(python3 - "$tmp/mm_bf16.json" "$tmp/torch_bf16.txt" <<'PY'
import json, re, statistics, sys
from collections import defaultdict
torch = defaultdict(list)
for line in open(sys.argv[2]):
    t = re.search(r"threads=(\d+)", line); s = re.search(r"M=(\d+) K=(\d+) N=(\d+).*median=([\d.]+)", line)
    if t and s and "bfloat16" in line:
        torch[(int(t.group(1)),) + tuple(map(int, s.groups()[:3]))].append(float(s.group(4)))
mm, impl = defaultdict(list), {}
for line in open(sys.argv[1]):
    r = json.loads(line); key = (r["threads"], r["m"], r["k"], r["n"])
    mm[key].append(r["gflops"]); impl[key] = r["impl"]
print("| M×K×N | threads | mmpoison bf16 GFLOP/s | torch.mm bf16 GFLOP/s | ratio |")
print("|---|---|---|---|---|")
for key in mm:
    t, m, k, n = key; g = statistics.median(mm[key])
    tt = statistics.median(torch[key]) if torch.get(key) else None
    ratio = f"{g/tt:.2f}x" if tt else "n/a"
    print(f"| {m}×{k}×{n} | {t} | {g:.1f} ({impl[key]}) | {tt:.1f} | {ratio} |" if tt else f"| {m}×{k}×{n} | {t} | {g:.1f} ({impl[key]}) | n/a | n/a |")
PY
)

section="$tmp/section.md"
{
  echo "<!-- gemm:begin (written by bench/peers_gemm.sh) -->"
  echo "## GEMM (fp32)"
  echo
  echo "Machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%Y-%m-%d). $PEER_BLAS. Medians over $ROUNDS rounds of medians of 5 runs, peer and mmpoison interleaved in one session."
  echo
  echo "$table"
  echo "<!-- gemm:end -->"
} >"$section"
bf16_section="$tmp/bf16_section.md"
{
  echo "<!-- gemm-bf16:begin (written by bench/peers_gemm.sh) -->"
  echo "## GEMM (bf16 in, fp32 accumulate)"
  echo
  echo "Machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(grep -q amx_bf16 /proc/cpuinfo && echo 'AMX-BF16' || echo 'no AMX'), $(grep -q avx512_bf16 /proc/cpuinfo && echo 'AVX512_BF16' || echo 'no AVX512_BF16'); $(date -u +%Y-%m-%d). \`mmpoison bench gemm --dtype bf16\` (fp32 in and out, operands rounded to bf16 while packing) beside torch.mm on bfloat16 tensors; medians over $ROUNDS rounds of medians of 5 runs, interleaved in one session."
  echo
  echo "$bf16_table"
  echo "<!-- gemm-bf16:end -->"
} >"$bf16_section"

results=bench/RESULTS.md
touch "$results"
python3 - "$results" "$section" "$bf16_section" <<'PY'
import re, sys
path = sys.argv[1]
text = open(path).read()
for name, secfile in (("gemm", sys.argv[2]), ("gemm-bf16", sys.argv[3])):
    sec = open(secfile).read().rstrip("\n")
    pat = re.compile(r"<!-- %s:begin.*?<!-- %s:end -->" % (name, name), re.S)
    text = pat.sub(lambda _: sec, text) if pat.search(text) else (text.rstrip("\n") + "\n\n" + sec + "\n").lstrip("\n")
open(path, "w").write(text)
PY
cat "$section" "$bf16_section"
