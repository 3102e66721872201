package text

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Save writes the merges in CLIP's merges-file format (a "#version: 0.2"
// header line, then "left right" per line), gzip-compressed when path ends in
// ".gz". It writes a temporary file beside path and renames it, so readers
// never see a half-written file. LoadBPE reads it back (LoadBPEMerges with 0
// if there are more than CLIPMerges merges).
func (t *Tokenizer) Save(path string) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("save bpe merges %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := t.writeMerges(tmp, strings.HasSuffix(path, ".gz")); err != nil {
		return fmt.Errorf("save bpe merges %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("save bpe merges %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save bpe merges %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save bpe merges %s: %w", path, err)
	}
	return nil
}

func (t *Tokenizer) writeMerges(f io.Writer, compress bool) error {
	var gz *gzip.Writer
	if compress {
		gz = gzip.NewWriter(f)
		f = gz
	}
	w := bufio.NewWriter(f)
	fmt.Fprintf(w, "#version: 0.2 (mmpoison byte-level BPE, %d merges)\n", len(t.merges))
	for _, m := range t.merges {
		w.WriteString(m[0])
		w.WriteByte(' ')
		w.WriteString(m[1])
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if gz != nil {
		return gz.Close()
	}
	return nil
}
