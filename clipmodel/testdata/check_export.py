#!/usr/bin/python3
"""Checks that weights mmpoison writes load in PyTorch: the export side of
the parity goldens. Run from the repository root with Debian's python3-torch:

    /usr/bin/python3 clipmodel/testdata/check_export.py

For each tower type T in rn and vit, `mmpoison weights convert` rewrites
  parity_T_jit.pt       (OpenAI's TorchScript layout, float16 weights),
  parity_T_state.pt     (torch.save state dict; vit's wrapped with "module."),
  parity_vit.safetensors  by way of Hugging Face's names and back (transformers'
                        CLIPModel has a ViT image tower only),
as F32 safetensors under OpenAI's names. Each file must load into
make_parity.py's PyTorch model with load_state_dict(strict=True), no key
missing or unexpected, and reproduce the golden embeddings within 1e-4.
Exits non-zero on the first failure.
"""

import os
import subprocess
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
from make_parity import CLIP, CONFIGS  # noqa: E402
from make_torch_formats import read_safetensors  # noqa: E402

TOLERANCE = 1e-4


def mmpoison(binary, *args):
    subprocess.run([binary, *args], check=True, stdout=subprocess.DEVNULL)


def embeds(model, io):
    with torch.no_grad():
        img = model.encode_image(io["images"])
        txt = model.encode_text(io["ids"].long())
    return img / img.norm(dim=-1, keepdim=True), txt / txt.norm(dim=-1, keepdim=True)


def check(tag, cfg, exported, golden):
    model = CLIP(cfg)
    weights = read_safetensors(exported)
    sd = model.state_dict()
    missing, unexpected = sorted(set(sd) - set(weights)), sorted(set(weights) - set(sd))
    if missing or unexpected:
        raise SystemExit(f"{exported}: missing {missing[:5]}, unexpected {unexpected[:5]}")
    model.load_state_dict({k: weights[k].to(sd[k].dtype) for k in sd}, strict=True)
    model.eval()
    io = read_safetensors(os.path.join(HERE, f"parity_{tag}_io.safetensors"))
    want = read_safetensors(golden)
    img, txt = embeds(model, io)
    err = max((img - want["image_embeds"]).abs().max().item(), (txt - want["text_embeds"]).abs().max().item())
    if not err <= TOLERANCE:
        raise SystemExit(f"{exported}: embeddings differ from {os.path.basename(golden)} by {err:.3g} > {TOLERANCE}")
    return err


def main():
    with tempfile.TemporaryDirectory() as tmp:
        binary = os.path.join(tmp, "mmpoison")
        subprocess.run(["go", "build", "-o", binary, "./cmd/mmpoison"], check=True, cwd=ROOT)
        for tag, cfg in CONFIGS.items():
            src = lambda name: os.path.join(HERE, name.format(tag))  # noqa: E731
            cases = [("TorchScript, float16", src("parity_{}_jit.pt"), src("parity_{}_f16_io.safetensors")),
                     ("torch.save state dict", src("parity_{}_state.pt"), src("parity_{}_io.safetensors"))]
            for what, given, golden in cases:
                out = os.path.join(tmp, f"{tag}-{os.path.basename(given)}.safetensors")
                mmpoison(binary, "weights", "convert", given, out)
                print(f"{tag}: {what} → OpenAI names: loads strictly, max error {check(tag, cfg, out, golden):.2g}")
            if cfg["vision_cfg"]["type"] != "vit":
                continue
            hf, back = os.path.join(tmp, f"{tag}-hf.safetensors"), os.path.join(tmp, f"{tag}-back.safetensors")
            mmpoison(binary, "weights", "convert", src("parity_{}.safetensors"), hf, "--names", "hf")
            mmpoison(binary, "weights", "convert", hf, back)
            err = check(tag, cfg, back, src("parity_{}_io.safetensors"))
            print(f"{tag}: safetensors → Hugging Face names → OpenAI names: loads strictly, max error {err:.2g}")


if __name__ == "__main__":
    main()
