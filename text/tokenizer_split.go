package text

import (
	"unicode"
	"unicode/utf8"
)

const (
	startOfText = "<|startoftext|>"
	endOfText   = "<|endoftext|>"
)

// contractions are tried in this order at an apostrophe, as in CLIP's pattern.
var contractions = []string{"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"}

// splitWords cuts normalised text into CLIP's pre-tokens. It is a hand
// scanner equivalent to findall with CLIP's leftmost-first pattern
//
//	<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
//
// (case-insensitive): at each position the first alternative that matches
// wins; characters no alternative matches (whitespace) are skipped.
func splitWords(s string, emit func(word string)) {
	for i := 0; i < len(s); {
		n := matchAt(s[i:])
		if n == 0 {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
			continue
		}
		emit(s[i : i+n])
		i += n
	}
}

// matchAt returns the length of the pattern's match at the start of s, or 0.
func matchAt(s string) int {
	if n := foldPrefix(s, startOfText); n > 0 {
		return n
	}
	if n := foldPrefix(s, endOfText); n > 0 {
		return n
	}
	for _, c := range contractions {
		if n := foldPrefix(s, c); n > 0 {
			return n
		}
	}
	r, size := utf8.DecodeRuneInString(s)
	switch {
	case unicode.IsLetter(r):
		return runLength(s, unicode.IsLetter)
	case unicode.IsNumber(r):
		return size
	case isPatternSpace(r):
		return 0
	}
	return runLength(s, func(r rune) bool {
		return !isPatternSpace(r) && !unicode.IsLetter(r) && !unicode.IsNumber(r)
	})
}

// isPatternSpace is \s of the pattern. After normalisation only ASCII space
// can occur; the wider Python set keeps Encode of raw pieces consistent.
func isPatternSpace(r rune) bool { return isPythonSpace(r) }

// runLength is the byte length of the longest prefix of s whose runes all
// satisfy keep.
func runLength(s string, keep func(rune) bool) int {
	n := 0
	for n < len(s) {
		r, size := utf8.DecodeRuneInString(s[n:])
		if !keep(r) {
			break
		}
		n += size
	}
	return n
}

// foldPrefix returns the byte length of the prefix of s that equals the ASCII
// literal lit under simple case folding (so "'ſ" matches "'s", as in Python's
// IGNORECASE), or 0 if there is none.
func foldPrefix(s, lit string) int {
	n := 0
	for i := 0; i < len(lit); i++ {
		if n >= len(s) {
			return 0
		}
		r, size := utf8.DecodeRuneInString(s[n:])
		if !runeFoldEqual(r, rune(lit[i])) {
			return 0
		}
		n += size
	}
	return n
}

func runeFoldEqual(a, b rune) bool {
	if a == b {
		return true
	}
	for f := unicode.SimpleFold(b); f != b; f = unicode.SimpleFold(f) {
		if f == a {
			return true
		}
	}
	return false
}
