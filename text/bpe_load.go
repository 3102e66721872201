package text

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strings"
)

// LoadBPE reads a merges file in CLIP's format (gzip-compressed or plain
// text, detected by its magic bytes): line 1 is a header, then one merge
// "left right" per line in rank order. Like CLIP it uses at most CLIPMerges
// merges, so the real bpe_simple_vocab_16e6.txt.gz gives 49,408 tokens and
// smaller files use all their merges.
func LoadBPE(path string) (*Tokenizer, error) {
	return LoadBPEMerges(path, CLIPMerges)
}

// LoadBPEMerges is LoadBPE with a custom cap on the number of merges read;
// numMerges <= 0 reads every merge in the file.
func LoadBPEMerges(path string, numMerges int) (*Tokenizer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("bpe merges: %w", err)
	}
	defer f.Close()
	merges, err := readMerges(f, path, numMerges)
	if err != nil {
		return nil, err
	}
	return newTokenizer(merges), nil
}

// readMerges parses a (possibly gzip-compressed) merges stream; path only
// names the source in errors.
func readMerges(r io.Reader, path string, numMerges int) ([][2]string, error) {
	br := bufio.NewReader(r)
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("bpe merges %s: bad gzip header: %w", path, err)
		}
		defer gz.Close()
		br = bufio.NewReader(gz)
	}
	scanner := bufio.NewScanner(br)
	scanner.Buffer(make([]byte, 0, 64*1024), 1<<20)
	var merges [][2]string
	line := 0
	for scanner.Scan() {
		line++
		if numMerges > 0 && len(merges) == numMerges {
			break
		}
		text := scanner.Text()
		if line == 1 {
			if !strings.Contains(text, "#") {
				return nil, fmt.Errorf("bpe merges %s line 1: want a header such as %q (it is skipped), got %q", path, "#version: 0.2", excerpt(text))
			}
			continue
		}
		fields := strings.Fields(text)
		if len(fields) == 0 {
			// CLIP's file ends with a newline; a blank line inside is an error.
			if blankToEnd(scanner) {
				break
			}
			return nil, fmt.Errorf("bpe merges %s line %d: blank line inside the merge list; remove it", path, line)
		}
		if len(fields) != 2 {
			return nil, fmt.Errorf("bpe merges %s line %d: want two symbols separated by a space, got %q", path, line, excerpt(text))
		}
		merges = append(merges, [2]string{fields[0], fields[1]})
	}
	if err := scanner.Err(); err != nil {
		return nil, fmt.Errorf("bpe merges %s line %d: %w", path, line+1, err)
	}
	if line == 0 {
		return nil, fmt.Errorf("bpe merges %s: file is empty; want a header line then one merge per line", path)
	}
	return merges, nil
}

// blankToEnd consumes the scanner and reports whether only blank lines were left.
func blankToEnd(scanner *bufio.Scanner) bool {
	for scanner.Scan() {
		if strings.TrimSpace(scanner.Text()) != "" {
			return false
		}
	}
	return true
}

// excerpt shortens a line quoted in an error: a binary file given as a
// merges file can have lines of a megabyte.
func excerpt(line string) string {
	const max = 60
	if len(line) <= max {
		return line
	}
	return fmt.Sprintf("%s… (%d bytes)", line[:max], len(line))
}
