//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package vision

import (
	"io"
	"os"
)

// mapFile reads the first n bytes of f into memory where mmap is unavailable.
func mapFile(f *os.File, n int64) ([]byte, func() error, error) {
	data := make([]byte, n)
	if _, err := f.ReadAt(data, 0); err != nil && err != io.EOF {
		return nil, nil, err
	}
	return data, func() error { return nil }, nil
}
