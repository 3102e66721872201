//go:build amd64 && !purego

package autograd

import "github.com/mmpoison/mmpoison/simd"

// AVX-512 forms of the lane transforms (conv_winograd_amd64.s): 32 lanes
// as two ZMM registers per vector; s and so are strides in lane vectors.

//go:noescape
func winoBtZ(d *float32, s int, o *float32, so int)

//go:noescape
func winoAtZ(m *float32, s int, o *float32, so int)

//go:noescape
func winoA1Z(e *float32, s int, o *float32, so int)

// winoAsm reports whether the AVX-512 transforms may run; it follows
// simd's level, so MMPOISON_SIMD=generic tests the Go forms.
func winoAsm() bool { return simd.Active() >= simd.AVX512 }

func winoBtLanes(d []winoLanes, s int, o []winoLanes, so int) {
	if !winoAsm() {
		winoBtGo(d, s, o, so)
		return
	}
	_, _ = d[5*s], o[5*so] // the assembly reads and writes up to these
	winoBtZ(&d[0][0], s, &o[0][0], so)
}

func winoAtLanes(m []winoLanes, s int, o []winoLanes, so int) {
	if !winoAsm() {
		winoAtGo(m, s, o, so)
		return
	}
	_, _ = m[5*s], o[3*so]
	winoAtZ(&m[0][0], s, &o[0][0], so)
}

func winoA1Lanes(e []winoLanes, s int, o []winoLanes, so int) {
	if !winoAsm() {
		winoA1Go(e, s, o, so)
		return
	}
	_, _ = e[3*s], o[5*so]
	winoA1Z(&e[0][0], s, &o[0][0], so)
}
