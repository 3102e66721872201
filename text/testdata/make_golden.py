#!/usr/bin/env python3
"""Writes tiny-golden.jsonl: an independent Python reference of CLIP's
SimpleTokenizer pipeline (ftfy treated as identity) run on tiny-merges.txt.

Usage: python3 make_golden.py [merges_file] [strings.json] > tiny-golden.jsonl
With the real CLIP merges file this script reproduces CLIP's ids; its
strings.json argument defaults to the built-in tricky strings below.
"""
import gzip
import html
import json
import re
import sys
import unicodedata

CONTRACTIONS = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"]
SPECIALS = ["<|startoftext|>", "<|endoftext|>"]


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def is_letter(c):
    return unicodedata.category(c).startswith("L")


def is_number(c):
    return unicodedata.category(c).startswith("N")


def fold_prefix(s, i, lit):
    # Python's re IGNORECASE on the pattern literals (matches 'ſ' for 's').
    m = re.compile(re.escape(lit), re.IGNORECASE).match(s, i)
    return m.end() - i if m else 0


def split_words(s):
    """findall of CLIP's pattern, written as a scanner because re lacks \\p{L}."""
    out, i = [], 0
    while i < len(s):
        n = 0
        for lit in SPECIALS + CONTRACTIONS:
            n = fold_prefix(s, i, lit)
            if n:
                break
        if not n:
            c = s[i]
            if is_letter(c):
                n = 1
                while i + n < len(s) and is_letter(s[i + n]):
                    n += 1
            elif is_number(c):
                n = 1
            elif not c.isspace():
                n = 1
                while i + n < len(s) and not (s[i + n].isspace() or is_letter(s[i + n]) or is_number(s[i + n])):
                    n += 1
        if n:
            out.append(s[i:i + n])
            i += n
        else:
            i += 1
    return out


class Tokenizer:
    def __init__(self, path, num_merges=49152 - 256 - 2):
        opener = gzip.open if open(path, "rb").read(2) == b"\x1f\x8b" else open
        with opener(path, "rb") as f:
            lines = f.read().decode("utf-8").split("\n")
        merges = [tuple(m.split()) for m in lines[1:num_merges + 1] if m.strip()]
        self.byte_encoder = bytes_to_unicode()
        vocab = list(self.byte_encoder.values())
        vocab = vocab + [v + "</w>" for v in vocab]
        vocab += ["".join(m) for m in merges]
        vocab += SPECIALS
        self.encoder = dict(zip(vocab, range(len(vocab))))
        self.ranks = dict(zip(merges, range(len(merges))))
        self.cache = {s: s for s in SPECIALS}

    def bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = list(token[:-1]) + [token[-1] + "</w>"]
        while len(word) > 1:
            pairs = [(self.ranks[p], p) for p in zip(word, word[1:]) if p in self.ranks]
            if not pairs:
                break
            first, second = min(pairs)[1]
            new, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and word[i] == first and word[i + 1] == second:
                    new.append(first + second)
                    i += 2
                else:
                    new.append(word[i])
                    i += 1
            word = new
        self.cache[token] = " ".join(word)
        return self.cache[token]

    def encode(self, text):
        text = html.unescape(html.unescape(text)).strip()
        text = re.sub(r"\s+", " ", text).strip().lower()
        ids = []
        for token in split_words(text):
            token = "".join(self.byte_encoder[b] for b in token.encode("utf-8"))
            ids.extend(self.encoder[t] for t in self.bpe(token).split(" "))
        return ids


TRICKY = [
    "", " ", "\t\n  \u3000", "the cat", "The CAT", "the dog's toy", "there", "he",
    "photo", "a photo of the cat", "!!!", "!!!!", "?!.", "aaaaa", "aaaaaaaaaaa",
    "star stars start", "café", "cafÉ résumé", "&amp; &lt;b&gt;", "&amp;lt;tag&amp;gt;",
    "&#39;s &#x27;t &#0; &#128; &#13; &#1;x &#xD800; &#1114112; &#99999999999999999999;",
    "&notit; &ampx &amp-y &copy2024 &#; &#x; &", "it's I'M we'll they'd you're we've can't",
    "it'S rock 'n' roll", "'ſ long s", "x.'s", "ΟΔΟΣ ΣΑΣ Σ aΣ. ΣΑΣ'Σ", "İstanbul",
    "Привет, мир!", "東京タワー", "😀👍🏽 👨\u200d👩\u200d👧", "\u00a0nbsp\u2009thin\u200bzw",
    "x\x1cy\x1fz", "numbers 2024 ½ ² ٣", "<|startoftext|>hi<|endoftext|>", "<|ENDOFTEXT|>",
    "a<|endoftext|>", "e-mail: user@example.com", "\U0001F600" * 3,
    " ".join(["the cat"] * 60),
]


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "tiny-merges.txt"
    strings = json.load(open(sys.argv[2])) if len(sys.argv) > 2 else TRICKY
    tok = Tokenizer(path)
    for s in strings:
        print(json.dumps({"text": s, "ids": tok.encode(s)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
