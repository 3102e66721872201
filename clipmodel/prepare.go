package clipmodel

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mmpoison/mmpoison/dataset"
	"github.com/mmpoison/mmpoison/text"
)

// DefaultMerges is how many BPE merges a tokenizer learned from the
// training captions gets when the model config leaves vocab_size at 0.
const DefaultMerges = 1000

// Prepared is a dataset made ready for a model: its images preprocessed into
// a cache at the model's resolution and a tokenizer whose vocabulary fits
// the model's text tower.
type Prepared struct {
	Data   *dataset.Dataset
	Images *Images
	Tok    *text.Tokenizer
	Config Config // the model config, vocab_size filled in from the tokenizer
}

// Prepare builds (or reuses) the image cache in cacheDir and the tokenizer.
// tokenizer is any file or folder text.Load reads (CLIP's
// bpe_simple_vocab_16e6.txt.gz, a merges file saved by mmpoison, a Hugging
// Face tokenizer.json or vocab.json with merges.txt, or a model folder
// holding one), "learn" or "learn:N" to learn N merges from the training
// captions, or "" for the default: learn when vocab_size is 0.
func Prepare(ds *dataset.Dataset, cfg Config, tokenizer, cacheDir string, missing dataset.MissingPolicy, log io.Writer) (*Prepared, error) {
	tok, err := makeTokenizer(ds, cfg, tokenizer)
	if err != nil {
		return nil, err
	}
	switch {
	case cfg.Text.VocabSize == 0:
		cfg.Text.VocabSize = tok.VocabSize()
	case cfg.Text.VocabSize != tok.VocabSize():
		return nil, fmt.Errorf("model %s expects a vocabulary of %d tokens but the tokenizer has %d: use the matching merges file or set vocab_size to 0 to learn one", cfg.Name, cfg.Text.VocabSize, tok.VocabSize())
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return nil, err
	}
	cachePath := filepath.Join(cacheDir, cacheName(ds, cfg.Vision.ImageSize))
	if log != nil {
		fmt.Fprintf(log, "image cache for %s at %dpx: %s (built once, then reused)\n", ds.Name, cfg.Vision.ImageSize, cachePath)
	}
	im, err := BuildImages(ds, cfg.Vision.ImageSize, cachePath, missing, nil)
	if err != nil {
		return nil, err
	}
	if n := len(im.Cache.Skipped()); n > 0 && log != nil {
		fmt.Fprintf(log, "skipped %d unreadable images\n", n)
	}
	return &Prepared{Data: ds, Images: im, Tok: tok, Config: cfg}, nil
}

func makeTokenizer(ds *dataset.Dataset, cfg Config, spec string) (*text.Tokenizer, error) {
	if spec == "" {
		if cfg.Text.VocabSize != 0 {
			return nil, fmt.Errorf("model %s has a fixed vocabulary of %d tokens: give its tokenizer with --tokenizer (CLIP's merges file bpe_simple_vocab_16e6.txt.gz, or a Hugging Face tokenizer.json or model folder)", cfg.Name, cfg.Text.VocabSize)
		}
		spec = "learn"
	}
	if spec == "learn" || strings.HasPrefix(spec, "learn:") {
		merges := DefaultMerges
		if n, ok := strings.CutPrefix(spec, "learn:"); ok {
			v, err := strconv.Atoi(n)
			if err != nil || v < 1 {
				return nil, fmt.Errorf("tokenizer %q: want learn:N with N a positive number of merges", spec)
			}
			merges = v
		}
		var captions []string
		for _, r := range ds.Rows {
			if r.Split == dataset.Train {
				captions = append(captions, r.Captions...)
			}
		}
		if len(captions) == 0 {
			return nil, fmt.Errorf("dataset %s has no training captions to learn a tokenizer from", ds.Name)
		}
		return text.TrainBPE(captions, merges), nil
	}
	return text.Load(spec)
}

// cacheName names a cache file by dataset and size; the cache itself checks
// that its contents match the images.
func cacheName(ds *dataset.Dataset, size int) string {
	h := sha256.Sum256([]byte(ds.Name + "\x00" + ds.Root))
	return fmt.Sprintf("%s-%dpx-%s.imgcache", sanitize(ds.Name), size, hex.EncodeToString(h[:4]))
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == ':' || r == ' ' || r == ',' || r == '=' {
			return '_'
		}
		return r
	}, s)
}
