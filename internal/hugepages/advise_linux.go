package hugepages

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// advise marks the 2 MiB-aligned pages inside buf MADV_HUGEPAGE. Failure
// is harmless (a kernel without THP, a sandbox that refuses madvise): the
// buffer stays on small pages, which is only slower.
func advise(buf []float32) {
	const page = 4 * pageFloats
	start := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	end := start + uintptr(len(buf))*4
	lo, hi := (start+page-1)&^(page-1), end&^(page-1)
	if hi <= lo {
		return
	}
	region := unsafe.Slice((*byte)(unsafe.Pointer(&buf[(lo-start)/4])), hi-lo)
	_ = unix.Madvise(region, unix.MADV_HUGEPAGE)
}
