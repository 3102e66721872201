//go:build amd64 && !purego

package conv

import "github.com/mmpoison/mmpoison/simd"

// AVX-512 forms of the lane transforms (winograd_amd64.s): 32 lanes
// as two ZMM registers per vector; s and so are strides in lane vectors.

//go:noescape
func WinoBtZ(d *float32, s int, o *float32, so int)

//go:noescape
func WinoAtZ(m *float32, s int, o *float32, so int)

//go:noescape
func WinoA1Z(e *float32, s int, o *float32, so int)

// WinoAsm reports whether the AVX-512 transforms may run; it follows
// simd's level, so MMPOISON_SIMD=generic tests the Go forms.
func WinoAsm() bool { return simd.Active() >= simd.AVX512 }

func WinoBtLanes(d []WinoLanes, s int, o []WinoLanes, so int) {
	if !WinoAsm() {
		WinoBtGo(d, s, o, so)
		return
	}
	_, _ = d[5*s], o[5*so] // the assembly reads and writes up to these
	WinoBtZ(&d[0][0], s, &o[0][0], so)
}

func WinoAtLanes(m []WinoLanes, s int, o []WinoLanes, so int) {
	if !WinoAsm() {
		WinoAtGo(m, s, o, so)
		return
	}
	_, _ = m[5*s], o[3*so]
	WinoAtZ(&m[0][0], s, &o[0][0], so)
}

func WinoA1Lanes(e []WinoLanes, s int, o []WinoLanes, so int) {
	if !WinoAsm() {
		WinoA1Go(e, s, o, so)
		return
	}
	_, _ = e[3*s], o[5*so]
	WinoA1Z(&e[0][0], s, &o[0][0], so)
}
