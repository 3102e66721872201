package text

// byteSymbols maps every byte to the printable rune GPT-2 and CLIP use for it
// ("bytes_to_unicode"): printable Latin-1 bytes map to themselves, the other
// 68 bytes to U+0100 onwards in byte order. Symbols never contain whitespace,
// so merges files can separate them with spaces.
var byteSymbols = buildByteSymbols()

// symbolBytes is the inverse of byteSymbols.
var symbolBytes = buildSymbolBytes()

func isPrintableLatin1(b int) bool {
	return ('!' <= b && b <= '~') || (0xA1 <= b && b <= 0xAC) || (0xAE <= b && b <= 0xFF)
}

func buildByteSymbols() [256]rune {
	var table [256]rune
	next := rune(256)
	for b := 0; b < 256; b++ {
		if isPrintableLatin1(b) {
			table[b] = rune(b)
			continue
		}
		table[b] = next
		next++
	}
	return table
}

func buildSymbolBytes() map[rune]byte {
	inverse := make(map[rune]byte, 256)
	for b, r := range byteSymbols {
		inverse[r] = byte(b)
	}
	return inverse
}

// byteSymbolOrder lists the 256 byte symbols in CLIP's vocabulary order:
// printable bytes first in byte order, then the remapped ones. Because the
// remapped symbols start at U+0100, this is simply ascending rune order.
var byteSymbolOrder = buildByteSymbolOrder()

func buildByteSymbolOrder() [256]rune {
	var order [256]rune
	i := 0
	for b := 0; b < 256; b++ {
		if isPrintableLatin1(b) {
			order[i] = rune(b)
			i++
		}
	}
	for b := 0; b < 256; b++ {
		if !isPrintableLatin1(b) {
			order[i] = byteSymbols[b]
			i++
		}
	}
	return order
}
