#!/usr/bin/python3
"""Convert a PyTorch CLIP checkpoint into F32 safetensors for mmpoison.

Usage (Debian's python3-torch; no network, it only reads the file you give):

    /usr/bin/python3 scripts/convert_openai_clip.py RN50.pt rn50.safetensors > rn50.json
    mmpoison ... --model rn50.json --init rn50.safetensors

The input is either a TorchScript archive as OpenAI distributes (loaded with
torch.jit.load) or a pickled state dict / {"state_dict": ...} (torch.load).
Every tensor is written as float32 (OpenAI's archives hold float16 weights,
BatchNorm's num_batches_tracked is int64). Keys we do not model
(input_resolution, context_length, vocab_size) are dropped.

The model config for clipmodel.LoadConfig is printed on stdout, with the
dimensions inferred from the tensor shapes as OpenAI's build_model does.
Head counts cannot be read from shapes: OpenAI's rule (width/64, and
width*32/64 for the ResNet's attention pool) is used unless --text-heads or
--vision-heads says otherwise.
"""

import argparse
import json
import struct
import sys

# Scalars some OpenAI dumps carry that are configuration, not weights.
DROPPED_KEYS = ("input_resolution", "context_length", "vocab_size")


def load_state_dict(path):
    """Return {name: tensor} from a TorchScript archive or a pickled checkpoint."""
    import torch

    try:
        sd = torch.jit.load(path, map_location="cpu").state_dict()
    except RuntimeError:
        sd = torch.load(path, map_location="cpu")
        if isinstance(sd, dict) and isinstance(sd.get("state_dict"), dict):
            sd = sd["state_dict"]
        if not isinstance(sd, dict):
            raise SystemExit(f"{path}: neither a TorchScript archive nor a state dict")
    out = {}
    for name, t in sd.items():
        if name.startswith("module."):  # saved from DataParallel
            name = name[len("module."):]
        if name in DROPPED_KEYS or not hasattr(t, "shape"):
            continue
        out[name] = t
    return out


def write_safetensors(path, tensors, metadata=None, dtypes=None):
    """Write {name: tensor} as safetensors by hand.

    Layout: 8-byte little-endian header length, a JSON header whose entries
    (sorted by name) give dtype, shape and data_offsets into the data area,
    padded with spaces to a multiple of 8, then the raw little-endian data.
    dtypes maps a name to "F16" to store that tensor as half; default F32.
    """
    import torch

    dtypes = dtypes or {}
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        kind = dtypes.get(name, "F32")
        torch_dtype = torch.float16 if kind == "F16" else torch.float32
        t = tensors[name].detach().to("cpu").to(torch_dtype).contiguous()
        raw = t.numpy().astype("<f2" if kind == "F16" else "<f4").tobytes()
        header[name] = {"dtype": kind, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def _count_indices(sd, prefix, depth):
    """Number of distinct values of the dotted field at depth under prefix."""
    return len({k.split(".")[depth] for k in sd if k.startswith(prefix)})


def infer_config(sd, name="converted", act="quick_gelu", text_heads=None, vision_heads=None):
    """Model config (clipmodel.Config JSON layout) from the shapes in sd."""
    shape = lambda k: list(sd[k].shape)  # noqa: E731
    for k in ("text_projection", "positional_embedding", "token_embedding.weight", "ln_final.weight"):
        if k not in sd:
            raise SystemExit(f"checkpoint has no {k!r}: not a CLIP model with OpenAI's names")
    text_width = shape("ln_final.weight")[0]
    text = {
        "context_length": shape("positional_embedding")[0],
        "vocab_size": shape("token_embedding.weight")[0],
        "width": text_width,
        "heads": text_heads or max(1, text_width // 64),
        "layers": _count_indices(sd, "transformer.resblocks.", 2),
        "mlp_ratio": shape("transformer.resblocks.0.mlp.c_fc.weight")[0] / text_width,
        "act": act,
    }
    if "visual.proj" in sd:
        width = shape("visual.conv1.weight")[0]
        patch = shape("visual.conv1.weight")[-1]
        grid = round((shape("visual.positional_embedding")[0] - 1) ** 0.5)
        vision = {
            "type": "vit",
            "image_size": patch * grid,
            "width": width,
            "layers": [len([k for k in sd if k.startswith("visual.") and k.endswith(".attn.in_proj_weight")])],
            "heads": vision_heads or max(1, width // 64),
            "patch_size": patch,
            "mlp_ratio": shape("visual.transformer.resblocks.0.mlp.c_fc.weight")[0] / width,
            "act": act,
        }
        if "visual.conv1.bias" in sd:
            vision["patch_bias"] = True
    elif "visual.attnpool.positional_embedding" in sd:
        width = shape("visual.layer1.0.conv1.weight")[0]
        grid = round((shape("visual.attnpool.positional_embedding")[0] - 1) ** 0.5)
        vision = {
            "type": "modified_resnet",
            "image_size": grid * 32,
            "width": width,
            "layers": [_count_indices(sd, f"visual.layer{b}.", 2) for b in (1, 2, 3, 4)],
            "heads": vision_heads or width * 32 // 64,
        }
    else:
        raise SystemExit("checkpoint has neither visual.proj (ViT) nor visual.attnpool (ModifiedResNet)")
    return {
        "name": name,
        "comment": "converted by scripts/convert_openai_clip.py",
        "embed_dim": shape("text_projection")[1],
        "vision_cfg": vision,
        "text_cfg": text,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoint", help="OpenAI .pt (TorchScript) or a state dict saved with torch.save")
    p.add_argument("output", help="safetensors file to write")
    p.add_argument("--name", default=None, help="config name (default: the output file's stem)")
    p.add_argument("--act", default="quick_gelu", choices=["quick_gelu", "gelu"],
                   help="MLP activation (OpenAI's models use quick_gelu)")
    p.add_argument("--text-heads", type=int, default=None, help="text heads (default width/64)")
    p.add_argument("--vision-heads", type=int, default=None, help="vision heads (default OpenAI's rule)")
    a = p.parse_args()
    sd = load_state_dict(a.checkpoint)
    name = a.name or a.output.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    cfg = infer_config(sd, name, a.act, a.text_heads, a.vision_heads)
    write_safetensors(a.output, sd, {"source": a.checkpoint.rsplit("/", 1)[-1]})
    json.dump(cfg, sys.stdout, indent=2)
    print()
    print(f"wrote {len(sd)} tensors to {a.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
