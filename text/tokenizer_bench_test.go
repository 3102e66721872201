package text

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

const flickrCaptions = "../../shared/data/flickr8k/Flickr8k.token.txt"

// readFlickrCaptions returns the 40,455 Flickr8k captions or skips.
func readFlickrCaptions(b *testing.B) []string {
	f, err := os.Open(flickrCaptions)
	if err != nil {
		b.Skipf("Flickr8k captions %s not found (shared data absent): %v", flickrCaptions, err)
	}
	defer f.Close()
	var out []string
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		if _, caption, ok := strings.Cut(scanner.Text(), "\t"); ok {
			out = append(out, caption)
		}
	}
	return out
}

// BenchmarkTokenizeFlickr tokenises all Flickr8k captions with CLIP's
// vocabulary; each iteration starts from an empty word cache.
func BenchmarkTokenizeFlickr(b *testing.B) {
	captions := readFlickrCaptions(b)
	tok := loadCLIP(b)
	b.ResetTimer()
	for range b.N {
		tok.mu.Lock()
		clear(tok.cache)
		tok.mu.Unlock()
		tok.TokenizeBatch(captions, 77)
	}
}

// BenchmarkTrainBPEFlickr learns 4,000 merges from all Flickr8k captions.
func BenchmarkTrainBPEFlickr(b *testing.B) {
	captions := readFlickrCaptions(b)
	b.ResetTimer()
	for range b.N {
		TrainBPE(captions, 4000)
	}
}
