# Sourced by bench/peers_*.sh: installing the peers, and running OpenBLAS on
# the kernels this CPU deserves.
#
# The machines set OPENBLAS_CORETYPE=Haswell (and OPENBLAS_L2_SIZE) so that
# old OpenBLAS builds do not misdetect the CPU; on a CPU with AVX-512 that
# runs AVX2 kernels at half the peak and flatters any ratio against it
# (../shared/peers/README.md). Peers run through `peer`, which picks the
# AVX-512 kernels where the CPU has them; the environment of tests, CI and
# mmpoison itself is left alone.

# peer_install PKG... installs the Debian packages that are missing, after an
# apt-get update.
peer_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    echo "installing ${missing[*]}" >&2
    apt-get update && apt-get install -y "${missing[@]}"
  fi
}

PEER_CORE=Haswell
grep -qw avx512f /proc/cpuinfo && PEER_CORE=SkylakeX

# peer CMD... runs CMD with OpenBLAS on PEER_CORE's kernels.
peer() { env -u OPENBLAS_L2_SIZE OPENBLAS_CORETYPE="$PEER_CORE" "$@"; }

# peer_check prints the core OpenBLAS runs under `peer` and the BLAS PyTorch
# loaded, and fails unless PyTorch's fp32 matmul is OpenBLAS and right.
peer_check() {
  peer /usr/bin/python3 - <<'PY'
import ctypes, sys
import torch
try:
    blas = ctypes.CDLL("libblas.so.3")
    corename = blas.openblas_get_corename
except (OSError, AttributeError):
    sys.exit("peer_check: libblas.so.3 is not OpenBLAS (install libopenblas0-pthread, or pick it with update-alternatives): PyTorch fp32 would be timed on the reference BLAS")
corename.restype = ctypes.c_char_p
torch.manual_seed(0)
a, b = torch.randn(384, 320, dtype=torch.float64), torch.randn(320, 256, dtype=torch.float64)
err = ((a.float() @ b.float()).double() - a @ b).abs().max().item()
if not err < 1e-3:
    sys.exit(f"peer_check: torch.mm fp32 under OpenBLAS core {corename().decode()} is wrong: max error {err:g}")
print(f"OpenBLAS core {corename().decode()}, torch {torch.__version__}: fp32 matmul checked (max error {err:.1e})")
PY
}
