#!/usr/bin/env python3
"""Writes tiny-hf/: tiny-merges.txt in the two layouts Hugging Face uses for a
CLIP tokenizer, with the vocabulary built as transformers' CLIPTokenizer
builds it (bytes, bytes + "</w>", one token per merge, then the two special
tokens):

  vocab.json + merges.txt   transformers' CLIPTokenizer files
  tokenizer.json            the tokenizers library's file, merges as strings

Usage: python3 make_hf_tokenizer.py   (from text/testdata)
"""
import json
import os

from make_golden import bytes_to_unicode

SOT, EOT = "<|startoftext|>", "<|endoftext|>"


def main():
    with open("tiny-merges.txt", encoding="utf-8") as f:
        lines = f.read().split("\n")
    merges = [tuple(line.split()) for line in lines[1:] if line.strip()]
    symbols = list(bytes_to_unicode().values())
    vocab = symbols + [s + "</w>" for s in symbols] + ["".join(m) for m in merges] + [SOT, EOT]
    ids = {tok: i for i, tok in enumerate(vocab)}
    os.makedirs("tiny-hf", exist_ok=True)
    with open("tiny-hf/vocab.json", "w", encoding="utf-8") as f:
        json.dump(ids, f, ensure_ascii=False)
    with open("tiny-hf/merges.txt", "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    special = [{"id": ids[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                "normalized": True, "special": True} for t in (SOT, EOT)]
    body = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": special,
        "model": {
            "type": "BPE", "dropout": None, "unk_token": EOT, "continuing_subword_prefix": "",
            "end_of_word_suffix": "</w>", "fuse_unk": False, "byte_fallback": False,
            "vocab": {t: i for t, i in ids.items() if t not in (SOT, EOT)},
            "merges": [f"{a} {b}" for a, b in merges],
        },
    }
    with open("tiny-hf/tokenizer.json", "w", encoding="utf-8") as f:
        json.dump(body, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
