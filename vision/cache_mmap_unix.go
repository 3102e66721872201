//go:build linux || darwin || freebsd || netbsd || openbsd

package vision

import (
	"os"

	"golang.org/x/sys/unix"
)

// mapFile maps the first n bytes of f read-only; pages load on demand and are
// shared through the page cache by every process using the same cache file.
func mapFile(f *os.File, n int64) ([]byte, func() error, error) {
	if n == 0 {
		return nil, func() error { return nil }, nil
	}
	data, err := unix.Mmap(int(f.Fd()), 0, int(n), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	return data, func() error { return unix.Munmap(data) }, nil
}
