#!/usr/bin/python3
"""Golden Hugging Face folder for clipmodel/torchformats_test.go: the ViT
model of make_parity.py as transformers' CLIPModel.save_pretrained lays it out.

Run from the repository root (plain Python 3, no packages needed):

    python3 clipmodel/testdata/make_hf_folder.py

It reads parity_vit.safetensors (OpenAI names, written by make_parity.py from
PyTorch) and writes parity_vit_hf/:
  model.safetensors  the same weights under transformers' names: per-tower
                     prefixes, each block's in_proj split into q/k/v
                     projections, visual.proj and text_projection stored as
                     Linear weights (transposed), and the int64
                     text_model.embeddings.position_ids buffer transformers keeps
  config.json        a CLIPConfig with the towers' sizes, heads and activations

The renaming is written here from transformers' documented module names, apart
from the Go code that reads it, so the test checks one against the other; the
outputs it is held to are PyTorch's, in parity_vit_io.safetensors.
"""

import array
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def read_f32(path):
    """{name: (shape, array('f'))} of an F32 safetensors file."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        if e["dtype"] != "F32":
            raise SystemExit(f"{path}: {name} is {e['dtype']}, expected F32")
        lo, hi = e["data_offsets"]
        out[name] = (e["shape"], array.array("f", data[lo:hi]))
    return out


def write(path, tensors):
    """Write {name: (dtype, shape, bytes)} as safetensors, names sorted."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        dtype, shape, raw = tensors[name]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def f32(shape, values):
    return ("F32", shape, array.array("f", values).tobytes())


def transpose(shape, values):
    rows, cols = shape
    return [cols, rows], [values[r * cols + c] for c in range(cols) for r in range(rows)]


BLOCK = {  # OpenAI's block parts → transformers' CLIPEncoderLayer parts
    "attn.out_proj.weight": "self_attn.out_proj.weight",
    "attn.out_proj.bias": "self_attn.out_proj.bias",
    "ln_1.weight": "layer_norm1.weight",
    "ln_1.bias": "layer_norm1.bias",
    "ln_2.weight": "layer_norm2.weight",
    "ln_2.bias": "layer_norm2.bias",
    "mlp.c_fc.weight": "mlp.fc1.weight",
    "mlp.c_fc.bias": "mlp.fc1.bias",
    "mlp.c_proj.weight": "mlp.fc2.weight",
    "mlp.c_proj.bias": "mlp.fc2.bias",
}

TOP = {  # OpenAI name → transformers name
    "token_embedding.weight": "text_model.embeddings.token_embedding.weight",
    "positional_embedding": "text_model.embeddings.position_embedding.weight",
    "ln_final.weight": "text_model.final_layer_norm.weight",
    "ln_final.bias": "text_model.final_layer_norm.bias",
    "visual.class_embedding": "vision_model.embeddings.class_embedding",
    "visual.conv1.weight": "vision_model.embeddings.patch_embedding.weight",
    "visual.positional_embedding": "vision_model.embeddings.position_embedding.weight",
    "visual.ln_pre.weight": "vision_model.pre_layrnorm.weight",  # transformers' spelling
    "visual.ln_pre.bias": "vision_model.pre_layrnorm.bias",
    "visual.ln_post.weight": "vision_model.post_layernorm.weight",
    "visual.ln_post.bias": "vision_model.post_layernorm.bias",
    "logit_scale": "logit_scale",
}

TOWERS = (("visual.transformer.resblocks.", "vision_model.encoder.layers."), ("transformer.resblocks.", "text_model.encoder.layers."))


def rename(weights):
    out = {}
    for name, (shape, values) in weights.items():
        if name in TOP:
            out[TOP[name]] = f32(shape, values)
            continue
        if name in ("visual.proj", "text_projection"):
            hf = "visual_projection.weight" if name == "visual.proj" else "text_projection.weight"
            out[hf] = f32(*transpose(shape, values))
            continue
        for openai, hf in TOWERS:
            if not name.startswith(openai):
                continue
            layer, part = name[len(openai):].split(".", 1)
            prefix = f"{hf}{layer}."
            if part in ("attn.in_proj_weight", "attn.in_proj_bias"):
                kind = "weight" if part.endswith("weight") else "bias"
                rows = shape[0] // 3
                per = len(values) // 3
                for i, qkv in enumerate("qkv"):
                    out[f"{prefix}self_attn.{qkv}_proj.{kind}"] = f32([rows] + shape[1:], values[i * per:(i + 1) * per])
            else:
                out[prefix + BLOCK[part]] = f32(shape, values)
            break
        else:
            raise SystemExit(f"no transformers name for {name}")
    return out


def main():
    cfg = json.load(open(os.path.join(HERE, "parity_vit.json")))
    weights = read_f32(os.path.join(HERE, "parity_vit.safetensors"))
    tensors = rename(weights)
    ctx = cfg["text_cfg"]["context_length"]
    tensors["text_model.embeddings.position_ids"] = ("I64", [1, ctx], struct.pack(f"<{ctx}q", *range(ctx)))
    vis, txt = cfg["vision_cfg"], cfg["text_cfg"]
    config = {
        "architectures": ["CLIPModel"],
        "model_type": "clip",
        "projection_dim": cfg["embed_dim"],
        "logit_scale_init_value": 2.6592,
        "text_config": {
            "hidden_size": txt["width"], "intermediate_size": 4 * txt["width"],
            "num_attention_heads": txt["heads"], "num_hidden_layers": txt["layers"],
            "max_position_embeddings": ctx, "vocab_size": txt["vocab_size"],
            "hidden_act": txt["act"], "projection_dim": cfg["embed_dim"],
        },
        "vision_config": {
            "hidden_size": vis["width"], "intermediate_size": 4 * vis["width"],
            "num_attention_heads": vis["heads"], "num_hidden_layers": vis["layers"][0],
            "image_size": vis["image_size"], "patch_size": vis["patch_size"],
            "hidden_act": vis["act"], "projection_dim": cfg["embed_dim"],
        },
    }
    out = os.path.join(HERE, "parity_vit_hf")
    os.makedirs(out, exist_ok=True)
    write(os.path.join(out, "model.safetensors"), tensors)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
