#!/usr/bin/python3
"""Golden files for clipmodel/parity_test.go: tiny random CLIP models in
plain PyTorch with OpenAI's architecture and state-dict names, their inputs
and outputs.

Run from the repository root with Debian's python3-torch:

    /usr/bin/python3 clipmodel/testdata/make_parity.py

It writes, for each tower type T in rn (ModifiedResNet) and vit:
  parity_T.safetensors     the state dict (F32; num_batches_tracked as F32),
  parity_T.json            the model config in clipmodel.Config's layout
                           (clipmodel's TestInferConfigOfPyTorchParityWeights
                           infers it back from the weights)
  parity_T_io.safetensors  images [2,3,S,S] (F16-exact values, stored F16),
                           ids [2,ctx] (F32 integers, EOT = vocab-1),
                           image_features/text_features (encode_image /
                           encode_text, unnormalised), image_embeds /
                           text_embeds (L2-normalised) and loss (symmetric
                           InfoNCE with logit_scale.exp())
The models run in eval mode: BatchNorm uses its (randomised) running stats.
"""

import json
import math
import os
import struct
import sys
from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # leave no __pycache__ beside the goldens


def write_safetensors(path, tensors, metadata=None, dtypes=None):
    """Write {name: tensor} as safetensors by hand.

    Layout: 8-byte little-endian header length, a JSON header whose entries
    (sorted by name) give dtype, shape and data_offsets into the data area,
    padded with spaces to a multiple of 8, then the raw little-endian data.
    dtypes maps a name to "F16" to store that tensor as half; default F32.
    """
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


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class Bottleneck(nn.Module):
    """1x1 -> 3x3 -> avgpool(stride) -> 1x1 (x4), avgpool+1x1 shortcut."""

    expansion = 4

    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.avgpool = nn.AvgPool2d(stride) if stride > 1 else nn.Identity()
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.downsample = None
        if stride > 1 or inplanes != planes * 4:
            # Named -1, 0, 1 as OpenAI does: the pool has no parameters.
            self.downsample = nn.Sequential(OrderedDict([
                ("-1", nn.AvgPool2d(stride)),
                ("0", nn.Conv2d(inplanes, planes * 4, 1, bias=False)),
                ("1", nn.BatchNorm2d(planes * 4)),
            ]))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(self.avgpool(out)))
        identity = x if self.downsample is None else self.downsample(x)
        return F.relu(out + identity)


class AttentionPool2d(nn.Module):
    def __init__(self, spatial, dim, heads, out):
        super().__init__()
        self.positional_embedding = nn.Parameter(torch.randn(spatial * spatial + 1, dim) / dim ** 0.5)
        self.k_proj = nn.Linear(dim, dim)
        self.q_proj = nn.Linear(dim, dim)
        self.v_proj = nn.Linear(dim, dim)
        self.c_proj = nn.Linear(dim, out)
        self.heads = heads

    def forward(self, x):
        x = x.flatten(2).permute(2, 0, 1)  # (HW, N, C)
        x = torch.cat([x.mean(0, keepdim=True), x], 0)
        x = x + self.positional_embedding[:, None, :]
        out, _ = F.multi_head_attention_forward(
            query=x[:1], key=x, value=x, embed_dim_to_check=x.shape[-1], num_heads=self.heads,
            q_proj_weight=self.q_proj.weight, k_proj_weight=self.k_proj.weight,
            v_proj_weight=self.v_proj.weight, in_proj_weight=None,
            in_proj_bias=torch.cat([self.q_proj.bias, self.k_proj.bias, self.v_proj.bias]),
            bias_k=None, bias_v=None, add_zero_attn=False, dropout_p=0.0,
            out_proj_weight=self.c_proj.weight, out_proj_bias=self.c_proj.bias,
            use_separate_proj_weight=True, training=False, need_weights=False)
        return out.squeeze(0)


class ModifiedResNet(nn.Module):
    def __init__(self, layers, output_dim, heads, input_resolution, width):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width // 2, 3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width // 2)
        self.conv2 = nn.Conv2d(width // 2, width // 2, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width // 2)
        self.conv3 = nn.Conv2d(width // 2, width, 3, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(width)
        self.avgpool = nn.AvgPool2d(2)
        self._inplanes = width
        self.layer1 = self._make_layer(width, layers[0])
        self.layer2 = self._make_layer(width * 2, layers[1], stride=2)
        self.layer3 = self._make_layer(width * 4, layers[2], stride=2)
        self.layer4 = self._make_layer(width * 8, layers[3], stride=2)
        self.attnpool = AttentionPool2d(input_resolution // 32, width * 32, heads, output_dim)

    def _make_layer(self, planes, blocks, stride=1):
        layers = [Bottleneck(self._inplanes, planes, stride)]
        self._inplanes = planes * 4
        layers += [Bottleneck(self._inplanes, planes, 1) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        x = F.relu(self.bn3(self.conv3(x)))
        x = self.avgpool(x)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.attnpool(x)


class ResidualAttentionBlock(nn.Module):
    def __init__(self, width, heads, act, attn_mask=None):
        super().__init__()
        self.attn = nn.MultiheadAttention(width, heads)
        self.ln_1 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(OrderedDict([
            ("c_fc", nn.Linear(width, width * 4)),
            ("gelu", QuickGELU() if act == "quick_gelu" else nn.GELU()),
            ("c_proj", nn.Linear(width * 4, width)),
        ]))
        self.ln_2 = nn.LayerNorm(width)
        self.attn_mask = attn_mask  # a plain attribute, not in the state dict

    def forward(self, x):  # (L, N, D)
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, need_weights=False, attn_mask=self.attn_mask)[0]
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, width, layers, heads, act, attn_mask=None):
        super().__init__()
        self.resblocks = nn.Sequential(*[ResidualAttentionBlock(width, heads, act, attn_mask) for _ in range(layers)])

    def forward(self, x):
        return self.resblocks(x)


class VisionTransformer(nn.Module):
    def __init__(self, input_resolution, patch_size, width, layers, heads, output_dim, act):
        super().__init__()
        scale = width ** -0.5
        self.conv1 = nn.Conv2d(3, width, patch_size, stride=patch_size, bias=False)
        self.class_embedding = nn.Parameter(scale * torch.randn(width))
        self.positional_embedding = nn.Parameter(scale * torch.randn((input_resolution // patch_size) ** 2 + 1, width))
        self.ln_pre = nn.LayerNorm(width)
        self.transformer = Transformer(width, layers, heads, act)
        self.ln_post = nn.LayerNorm(width)
        self.proj = nn.Parameter(scale * torch.randn(width, output_dim))

    def forward(self, x):
        x = self.conv1(x).flatten(2).permute(0, 2, 1)  # (N, grid², W)
        cls = self.class_embedding + torch.zeros(x.shape[0], 1, x.shape[-1])
        x = torch.cat([cls, x], 1) + self.positional_embedding
        x = self.ln_pre(x).permute(1, 0, 2)
        x = self.transformer(x).permute(1, 0, 2)
        return self.ln_post(x[:, 0, :]) @ self.proj


class CLIP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        e, v, t = cfg["embed_dim"], cfg["vision_cfg"], cfg["text_cfg"]
        if v["type"] == "vit":
            self.visual = VisionTransformer(v["image_size"], v["patch_size"], v["width"], v["layers"][0],
                                            v["heads"], e, v.get("act", "gelu"))
        else:
            self.visual = ModifiedResNet(v["layers"], e, v["heads"], v["image_size"], v["width"])
        ctx = t["context_length"]
        mask = torch.full((ctx, ctx), float("-inf")).triu_(1)  # causal
        self.transformer = Transformer(t["width"], t["layers"], t["heads"], t.get("act", "gelu"), mask)
        self.token_embedding = nn.Embedding(t["vocab_size"], t["width"])
        self.positional_embedding = nn.Parameter(0.01 * torch.randn(ctx, t["width"]))
        self.ln_final = nn.LayerNorm(t["width"])
        self.text_projection = nn.Parameter(t["width"] ** -0.5 * torch.randn(t["width"], e))
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def encode_image(self, image):
        return self.visual(image)

    def encode_text(self, ids):
        x = self.token_embedding(ids) + self.positional_embedding
        x = self.transformer(x.permute(1, 0, 2)).permute(1, 0, 2)
        x = self.ln_final(x)
        return x[torch.arange(x.shape[0]), ids.argmax(-1)] @ self.text_projection


def randomise(model):
    """Move every parameter and buffer away from its trivial initial value,
    so that LayerNorm/BatchNorm gains, biases and running stats all matter."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias"):  # attention and Linear biases start at zero
                p.add_(0.1 * torch.randn_like(p))
        for mod in model.modules():
            if isinstance(mod, nn.LayerNorm):
                mod.weight.uniform_(0.5, 1.5)
            if isinstance(mod, nn.BatchNorm2d):
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.normal_(0, 0.1)
        calibrate_batchnorm(model)
        for mod in model.modules():
            if isinstance(mod, nn.BatchNorm2d):  # off the batch statistics, but not far
                mod.running_mean.add_(0.1 * mod.running_var.sqrt() * torch.randn_like(mod.running_mean))
                mod.running_var.mul_(torch.empty_like(mod.running_var).uniform_(0.7, 1.4))
                mod.num_batches_tracked.fill_(7)


def calibrate_batchnorm(model):
    """Running stats = the statistics of random images, so that eval-mode
    BatchNorm keeps activations alive through the ReLUs (random stats can
    zero a narrow network's features and make its output input-independent)."""
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    if not bns:
        return
    s = model.visual.attnpool.positional_embedding.shape[0]
    size = round((s - 1) ** 0.5) * 32
    for bn in bns:
        bn.momentum = None  # cumulative average
        bn.reset_running_stats()
    model.train()
    for _ in range(4):
        model.encode_image(torch.randn(8, 3, size, size))
    model.eval()


def make_inputs(cfg, n):
    s, t = cfg["vision_cfg"]["image_size"], cfg["text_cfg"]
    images = torch.randn(n, 3, s, s).half().float()  # exactly representable in F16
    ctx, vocab = t["context_length"], t["vocab_size"]
    ids = torch.zeros(n, ctx, dtype=torch.long)
    for b in range(n):
        length = 3 + (b * 3) % (ctx - 2)  # SOT, words, EOT; zero padding after
        ids[b, 0] = vocab - 2
        ids[b, 1:length - 1] = torch.randint(1, vocab - 2, (length - 2,))
        ids[b, length - 1] = vocab - 1
    return images, ids


def build(tag, cfg, n=2):
    torch.manual_seed(0)
    model = CLIP(cfg)
    randomise(model)
    model.eval()
    images, ids = make_inputs(cfg, n)
    with torch.no_grad():
        img = model.encode_image(images)
        txt = model.encode_text(ids)
        img_n = img / img.norm(dim=-1, keepdim=True)
        txt_n = txt / txt.norm(dim=-1, keepdim=True)
        logits = model.logit_scale.exp() * img_n @ txt_n.t()
        labels = torch.arange(n)
        loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2

    sd = model.state_dict()

    write_safetensors(os.path.join(HERE, f"parity_{tag}.safetensors"), sd, {"made_by": "make_parity.py"})
    with open(os.path.join(HERE, f"parity_{tag}.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    io = {"images": images, "ids": ids.float(), "image_features": img, "text_features": txt,
          "image_embeds": img_n, "text_embeds": txt_n, "loss": loss}
    write_safetensors(os.path.join(HERE, f"parity_{tag}_io.safetensors"), io, {"made_by": "make_parity.py"},
                      dtypes={"images": "F16"})
    print(f"{tag}: {sum(t.numel() for t in sd.values())} weights, loss {loss.item():.6f}")


TEXT = {"context_length": 8, "vocab_size": 50, "width": 16, "heads": 2, "layers": 2}

CONFIGS = {
    "rn": {
        "name": "parity-rn", "comment": "golden model of make_parity.py", "embed_dim": 16,
        "vision_cfg": {"type": "modified_resnet", "image_size": 64, "width": 2, "layers": [2, 1, 1, 1], "heads": 2},
        "text_cfg": dict(TEXT, act="quick_gelu"),
    },
    "vit": {
        "name": "parity-vit", "comment": "golden model of make_parity.py", "embed_dim": 16,
        "vision_cfg": {"type": "vit", "image_size": 16, "patch_size": 4, "width": 16, "layers": [2], "heads": 2,
                       "act": "quick_gelu"},
        "text_cfg": dict(TEXT, act="gelu"),
    },
}

if __name__ == "__main__":
    for tag, cfg in CONFIGS.items():
        build(tag, cfg)
