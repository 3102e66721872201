//go:build linux && amd64 && !purego

package simd

import (
	"sync"

	"golang.org/x/sys/unix"
)

const (
	archReqXcompPerm  = 0x1023 // ARCH_REQ_XCOMP_PERM
	xfeatureXtiledata = 18     // XFEATURE_XTILEDATA
)

var (
	amxOnce sync.Once
	amxOK   bool
)

// amxPermission asks Linux, once per process, for the right to use AMX tile
// data; without it the first tile instruction would kill the process.
func amxPermission() bool {
	amxOnce.Do(func() {
		_, _, errno := unix.Syscall(unix.SYS_ARCH_PRCTL, archReqXcompPerm, xfeatureXtiledata, 0)
		amxOK = errno == 0
	})
	return amxOK
}
