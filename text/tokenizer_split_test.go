package text

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// clipPattern is CLIP's pre-tokenisation regex; Go's RE2 uses the same
// leftmost-first alternation as Python's regex module.
var clipPattern = regexp.MustCompile(`(?i)<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`)

func collectWords(s string) []string {
	var out []string
	splitWords(s, func(w string) { out = append(out, w) })
	return out
}

func TestSplitWordsMatchesRegexp(t *testing.T) {
	pool := []string{"a", "b", "S", "T", "ſ", "é", "東", "Σ", "1", "٣", "½", "'", "'s", "'re", "'ll", "'D",
		"!", ".", "-", "<", "|", ">", "<|endoftext|>", "<|startoftext|>", "<|ENDOFtext|>", " ", "\t", "\u00a0", "😀", "\u200d", "&"}
	rng := rand.New(rand.NewPCG(11, 12))
	for i := 0; i < 3000; i++ {
		var b strings.Builder
		for k := rng.IntN(12); k >= 0; k-- {
			b.WriteString(pool[rng.IntN(len(pool))])
		}
		// After normalisation the only whitespace left is ASCII space, where
		// Go's ASCII \s and Python's Unicode \s agree.
		s := collapseSpaces(b.String())
		if got, want := collectWords(s), clipPattern.FindAllString(s, -1); !slices.Equal(got, want) {
			t.Fatalf("splitWords(%q) = %q, regexp %q", s, got, want)
		}
	}
}

func TestNormalizeCaption(t *testing.T) {
	cases := map[string]string{
		"  A\u00a0B\u2009\u3000C\x1c ":   "a b c",
		"&amp;lt;b&amp;gt;":              "<b>",
		"&#65;&#x42;&#1;c&#128;&#0;":     "abc€\ufffd",
		"ΟΔΟΣ ΣΑΣ.":                      "οδος σας.",
		"ΑΣ'Β":                           "ασ'β",
		"İ":                              "i\u0307",
		"&notit; &ampx &copy2024 &#; &x": "¬it; &x ©2024 &#; &x",
	}
	for in, want := range cases {
		if got := normalizeCaption(in); got != want {
			t.Errorf("normalizeCaption(%q) = %q, want %q", in, got, want)
		}
	}
}
