package text

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// normalizeCaption applies CLIP's text clean-up before splitting: HTML
// unescape twice, strip, collapse whitespace runs to one space, strip, lower
// case. Whitespace and lower-casing follow Python's str semantics, which the
// reference ids were made with (ftfy.fix_text is not applied).
func normalizeCaption(s string) string {
	s = unescapeHTML(unescapeHTML(s))
	s = collapseSpaces(s)
	return pythonLower(s)
}

// isPythonSpace reports whether Python's str.isspace (and so re's \s) holds
// for r: Go's unicode.IsSpace plus the ASCII separators U+001C..U+001F.
func isPythonSpace(r rune) bool {
	return unicode.IsSpace(r) || (0x1C <= r && r <= 0x1F)
}

// collapseSpaces strips leading and trailing whitespace and replaces every
// inner run of whitespace with a single ASCII space.
func collapseSpaces(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	pendingSpace := false
	for _, r := range s {
		if isPythonSpace(r) {
			pendingSpace = b.Len() > 0
			continue
		}
		if pendingSpace {
			b.WriteByte(' ')
			pendingSpace = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// pythonLower mirrors Python's str.lower: Unicode simple lower-case mapping
// plus the two special cases Python applies, U+0130 → "i̇" and the final
// form of capital sigma at the end of a word.
func pythonLower(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range s {
		switch r {
		case 'İ':
			b.WriteString("i\u0307")
		case 'Σ':
			if isFinalSigma(s, i) {
				b.WriteRune('ς')
			} else {
				b.WriteRune('σ')
			}
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// isFinalSigma implements Unicode's Final_Sigma condition for the capital
// sigma at byte offset i: a cased letter before it and none after it,
// skipping case-ignorable characters in both directions.
func isFinalSigma(s string, i int) bool {
	before := false
	for j := i; j > 0; {
		r, size := utf8.DecodeLastRuneInString(s[:j])
		j -= size
		if isCaseIgnorable(r) {
			continue
		}
		before = isCased(r)
		break
	}
	if !before {
		return false
	}
	for j := i + len("Σ"); j < len(s); {
		r, size := utf8.DecodeRuneInString(s[j:])
		j += size
		if isCaseIgnorable(r) {
			continue
		}
		return !isCased(r)
	}
	return true
}

// isCased is Unicode's Cased property: Lowercase, Uppercase or Titlecase.
func isCased(r rune) bool {
	return unicode.IsLower(r) || unicode.IsUpper(r) || unicode.IsTitle(r) ||
		unicode.Is(unicode.Other_Lowercase, r) || unicode.Is(unicode.Other_Uppercase, r)
}

// isCaseIgnorable is Unicode's Case_Ignorable property: marks, format
// characters, modifier letters and symbols, and the word-break MidLetter,
// MidNumLet and Single_Quote characters.
func isCaseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', '·', '\u0387', '\u055F', '\u05F4', '\u2018', '\u2019',
		'\u2024', '\u2027', '\uFE13', '\uFE52', '\uFE55', '\uFF07', '\uFF0E', '\uFF1A':
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}
