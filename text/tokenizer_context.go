package text

// Tokenize returns CLIP's fixed-length form of s: <|startoftext|>, the ids of
// s, <|endoftext|>, then zeros up to contextLength. Longer texts keep the
// start token and the first contextLength-2 ids and end with <|endoftext|>
// (CLIP's tokenize with truncate=True). contextLength below 2 is raised to 2.
func (t *Tokenizer) Tokenize(s string, contextLength int) []int {
	contextLength = max(contextLength, 2)
	row := make([]int, contextLength)
	t.fillRow(row, s)
	return row
}

// TokenizeBatch tokenises texts into one row-major [len(texts), contextLength]
// slice and returns, per row, the index of the end token the text encoder
// pools at (the first <|endoftext|>, as CLIP's argmax does).
func (t *Tokenizer) TokenizeBatch(texts []string, contextLength int) (ids []int, eotPos []int) {
	contextLength = max(contextLength, 2)
	ids = make([]int, len(texts)*contextLength)
	eotPos = make([]int, len(texts))
	for i, s := range texts {
		eotPos[i] = t.fillRow(ids[i*contextLength:(i+1)*contextLength], s)
	}
	return ids, eotPos
}

// fillRow writes the fixed-length form of s into the zeroed row and returns
// the index of the first end token.
func (t *Tokenizer) fillRow(row []int, s string) int {
	body := t.Encode(s)
	if len(body) > len(row)-2 {
		body = body[:len(row)-2]
	}
	row[0] = t.sot
	copy(row[1:], body)
	row[len(body)+1] = t.eot
	for i, id := range row {
		if id == t.eot {
			return i
		}
	}
	return len(body) + 1
}
