package text

import (
	"strings"
	"unicode/utf8"
)

// Decode turns ids back into text as CLIP does: token texts are joined,
// byte symbols become bytes, invalid UTF-8 becomes U+FFFD (one per maximal
// invalid subsequence, like Python's errors="replace") and every "</w>"
// becomes a space, so words come back separated, with a trailing space.
// Ids outside the vocabulary are skipped; padding zeros are ordinary ids
// ("!"), so cut rows at the end token first.
func (t *Tokenizer) Decode(ids []int) string {
	var raw []byte
	for _, id := range ids {
		if id < 0 || id >= len(t.vocab) {
			continue
		}
		for _, r := range t.vocab[id] {
			raw = append(raw, symbolBytes[r])
		}
	}
	return strings.ReplaceAll(replaceInvalidUTF8(raw), endOfWord, " ")
}

// replaceInvalidUTF8 decodes b, replacing each maximal subpart of an
// ill-formed sequence with U+FFFD.
func replaceInvalidUTF8(b []byte) string {
	var out strings.Builder
	out.Grow(len(b))
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r != utf8.RuneError || size > 1 {
			out.Write(b[:size])
			b = b[size:]
			continue
		}
		out.WriteRune(utf8.RuneError)
		b = b[maximalSubpart(b):]
	}
	return out.String()
}

// maximalSubpart is the length of the longest prefix of b that starts a
// well-formed UTF-8 sequence but is cut short (at least 1).
func maximalSubpart(b []byte) int {
	lead := b[0]
	var need int
	lo, hi := byte(0x80), byte(0xBF)
	switch {
	case 0xC2 <= lead && lead <= 0xDF:
		need = 1
	case 0xE0 <= lead && lead <= 0xEF:
		need = 2
		if lead == 0xE0 {
			lo = 0xA0
		} else if lead == 0xED {
			hi = 0x9F
		}
	case 0xF0 <= lead && lead <= 0xF4:
		need = 3
		if lead == 0xF0 {
			lo = 0x90
		} else if lead == 0xF4 {
			hi = 0x8F
		}
	default:
		return 1
	}
	n := 1
	for n <= need && n < len(b) && lo <= b[n] && b[n] <= hi {
		n++
		lo, hi = 0x80, 0xBF
	}
	return n
}
