package text

import (
	"html"
	"strings"
	"unicode/utf8"
)

// unescapeHTML mirrors Python's html.unescape. Named references go through
// Go's html package (same HTML5 table and longest-prefix rule); numeric
// references are decoded here because Python treats them differently:
// Windows-1252 fix-ups, U+FFFD for NUL, surrogates and out-of-range values,
// and silent removal of control and non-character code points.
func unescapeHTML(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for {
		amp := strings.IndexByte(s, '&')
		if amp < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:amp])
		s = s[amp:]
		replacement, consumed := unescapeOne(s)
		b.WriteString(replacement)
		s = s[consumed:]
	}
}

// unescapeOne decodes the reference starting at s[0] == '&' and returns its
// replacement and how many bytes of s it used (at least 1).
func unescapeOne(s string) (string, int) {
	if len(s) > 1 && s[1] == '#' {
		if r, n, ok := numericReference(s); ok {
			return r, n
		}
		return "&", 1
	}
	name := namedReferenceLength(s)
	if name == 0 {
		return "&", 1
	}
	return html.UnescapeString(s[:1+name]), 1 + name
}

// namedReferenceLength is the length of Python's match [^\t\n\f <&#;]{1,32};?
// after the ampersand.
func namedReferenceLength(s string) int {
	n, runes := 1, 0
	for n < len(s) && runes < 32 {
		r, size := utf8.DecodeRuneInString(s[n:])
		if strings.ContainsRune("\t\n\f <&#;", r) {
			break
		}
		n += size
		runes++
	}
	if runes == 0 {
		return 0
	}
	if n < len(s) && s[n] == ';' {
		n++
	}
	return n - 1
}

// numericReference decodes "&#123;" or "&#x1F;" (semicolon optional).
func numericReference(s string) (string, int, bool) {
	i, base := 2, 10
	if i < len(s) && (s[i] == 'x' || s[i] == 'X') {
		i, base = 3, 16
	}
	start := i
	value, overflow := 0, false
	for i < len(s) {
		d := digitValue(s[i], base)
		if d < 0 {
			break
		}
		if value > 0x10FFFF {
			overflow = true
		} else {
			value = value*base + d
		}
		i++
	}
	if i == start {
		return "", 0, false
	}
	if i < len(s) && s[i] == ';' {
		i++
	}
	if overflow || value > 0x10FFFF {
		return "\uFFFD", i, true
	}
	return pythonCharref(rune(value)), i, true
}

func digitValue(c byte, base int) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case base == 16 && 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case base == 16 && 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// windows1252 maps the C1 range 0x80..0x9F as HTML5 and Python do;
// undefined positions keep their own code point.
var windows1252 = [32]rune{
	'\u20AC', '\u0081', '\u201A', '\u0192', '\u201E', '\u2026', '\u2020', '\u2021',
	'\u02C6', '\u2030', '\u0160', '\u2039', '\u0152', '\u008D', '\u017D', '\u008F',
	'\u0090', '\u2018', '\u2019', '\u201C', '\u201D', '\u2022', '\u2013', '\u2014',
	'\u02DC', '\u2122', '\u0161', '\u203A', '\u0153', '\u009D', '\u017E', '\u0178',
}

// pythonCharref applies Python's rules for a decoded numeric reference.
func pythonCharref(r rune) string {
	switch {
	case r == 0:
		return "\uFFFD"
	case r == '\r':
		return "\r"
	case 0x80 <= r && r <= 0x9F:
		return string(windows1252[r-0x80])
	case 0xD800 <= r && r <= 0xDFFF:
		return "\uFFFD"
	case isInvalidCodepoint(r):
		return ""
	}
	return string(r)
}

// isInvalidCodepoint lists the code points Python's html.unescape drops:
// C0 controls except tab, newline, form feed and carriage return, DEL and C1
// controls, and the Unicode non-characters.
func isInvalidCodepoint(r rune) bool {
	switch {
	case 0x1 <= r && r <= 0x8, r == 0xB, 0xE <= r && r <= 0x1F, 0x7F <= r && r <= 0x9F:
		return true
	case 0xFDD0 <= r && r <= 0xFDEF:
		return true
	case r&0xFFFE == 0xFFFE:
		return true
	}
	return false
}
