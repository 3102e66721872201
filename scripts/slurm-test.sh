#!/usr/bin/env bash
# A real Slurm job array under test: installs Debian's slurm-wlm and munge,
# starts a one-node cluster on this machine, runs a small grid as the job
# array of docs/experiments.md in 4 shards, cancels one shard mid-run and
# submits it again, merges the shards with mmpoison report, and checks that
# results.csv is identical, byte for byte, to one process running the grid.
#
# Needs root (it installs packages and starts daemons) and about 5 minutes
# on 2 cores. Usage: sudo bash scripts/slurm-test.sh [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
work=${1:-$(mktemp -d /tmp/mmpoison-slurm.XXXXXX)}
mkdir -p "$work"
echo "== slurm test in $work"

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  echo "== installing slurm-wlm and munge"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slurm-wlm munge >/dev/null
fi

echo "== a one-node cluster"
host=$(hostname -s)
cpus=$(nproc)
mem=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512))
mkdir -p /etc/munge /var/log/munge /run/munge /var/lib/munge /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
if [ ! -s /etc/munge/munge.key ]; then
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown -R munge:munge /etc/munge /var/log/munge /run/munge /var/lib/munge 2>/dev/null || true
chmod 0700 /etc/munge && chmod 0400 /etc/munge/munge.key
pgrep -x munged >/dev/null || sudo -u munge /usr/sbin/munged 2>/dev/null || /usr/sbin/munged --force
cat >/etc/slurm/slurm.conf <<EOF
ClusterName=mmpoison-test
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
pkill -x slurmctld 2>/dev/null || true
pkill -x slurmd 2>/dev/null || true
sleep 1
slurmctld -c && slurmd -c
for _ in $(seq 30); do
  sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)' && break
  sleep 1
done
sinfo

echo "== the grid"
go build -o "$work/mmpoison" ./cmd/mmpoison
cat >"$work/model.json" <<'EOF'
{"name": "slurm-test", "embed_dim": 32,
 "vision_cfg": {"type": "vit", "image_size": 32, "patch_size": 8, "width": 32, "layers": [1], "heads": 2, "mlp_ratio": 2},
 "text_cfg": {"context_length": 16, "vocab_size": 0, "width": 32, "heads": 2, "layers": 1, "mlp_ratio": 2}}
EOF
cat >"$work/grid.json" <<EOF
{
  "name": "slurm-test",
  "data": "shapes:classes=30,n=300,test=10,rare=circle+triangle,rare_n=20",
  "model": "$work/model.json",
  "tokenizer": "learn:300",
  "clean_checkpoint": "$work/clean/clean/checkpoint.safetensors",
  "clean": {"epochs": 2, "batch_size": 64, "lr": 2e-3},
  "poison": {"epochs": 2, "batch_size": 64, "lr": 1e-3},
  "attacks": [
    {"kind": "II", "goals": ["circle2ring"]},
    {"kind": "II", "goals": ["triangle2bar"]},
    {"kind": "I", "goals": ["circle2ring"]},
    {"kind": "II", "goals": ["circle2ring"], "defenses": ["filter", "finetune"]}
  ],
  "ratios": [0.5, 1],
  "seeds": [42],
  "eval_every_epoch": true
}
EOF
# The clean model once, shared by every shard through clean_checkpoint.
sed 's/"clean_checkpoint": [^,]*,//' "$work/grid.json" >"$work/clean.json"
"$work/mmpoison" run --config "$work/clean.json" --out "$work/clean" --only clean --threads 1 >"$work/clean.log" 2>&1
"$work/mmpoison" run --config "$work/grid.json" --out "$work/single" --threads 1 >"$work/single.log" 2>&1 &
single=$!

cat >"$work/array.sh" <<EOF
#!/bin/bash
#SBATCH --array=0-3
#SBATCH --cpus-per-task=1
#SBATCH --output=$work/slurm-%A_%a.out
$work/mmpoison run --config $work/grid.json --out $work/runs/shard-\$SLURM_ARRAY_TASK_ID \\
  --shard \$SLURM_ARRAY_TASK_ID/4 --threads \$SLURM_CPUS_PER_TASK
EOF
echo "== sbatch the array"
array=$(sbatch --parsable "$work/array.sh")
echo "job array $array"
# Cancel shard 1 once it has finished a job, then submit it again: the
# rerun must skip what it finished and give the same results.
for _ in $(seq 600); do
  ls "$work/runs/shard-1/jobs/"*-s42.json >/dev/null 2>&1 && break
  sleep 0.5
done
scancel "${array}_1"
echo "cancelled ${array}_1 after $(ls "$work/runs/shard-1/jobs/"*-s42.json 2>/dev/null | wc -l) finished job(s)"
sleep 2
again=$(sbatch --parsable --array=1 "$work/array.sh")
echo "resubmitted shard 1 as $again"
while squeue -h -j "$array,$again" 2>/dev/null | grep -q .; do sleep 2; done
wait $single
sacct -j "$array,$again" -X -o JobID,State,ExitCode 2>/dev/null || true
for i in 0 1 2 3; do
  [ -f "$work/runs/shard-$i/results.csv" ] || { echo "shard $i wrote no results.csv"; cat "$work"/slurm-*_"$i".out; exit 1; }
done

echo "== merge and compare"
"$work/mmpoison" report "$work"/runs/shard-* --out "$work/merged"
if cmp "$work/merged/results.csv" "$work/single/results.csv"; then
  echo "slurm test passed: the merged job array's results.csv ($(wc -l <"$work/single/results.csv") lines) is identical to one process's"
else
  echo "slurm test FAILED: merged and single-process results.csv differ"
  diff <(sort "$work/merged/results.csv") <(sort "$work/single/results.csv") | head -20
  exit 1
fi
