package conv

// Lane forms of the 1-D tile transforms: each applies its matrix to
// WinoGroup tiles at once, a tile per lane, so the inner loops are long and
// regular (AVX-512 on amd64, winograd_amd64.s). A tile group is
// [k][lane]: element k (row-major in the tile) of every tile. Each 1-D
// transform reads lane vectors d[0], d[s], d[2s], ... and writes o[0],
// o[so], o[2so], ...

type WinoLanes = [WinoGroup]float32

// WinoBtGo is Bᵀ·d on lanes (6 vectors in, 6 out).
func WinoBtGo(d []WinoLanes, s int, o []WinoLanes, so int) {
	d0, d1, d2, d3, d4, d5 := &d[0], &d[s], &d[2*s], &d[3*s], &d[4*s], &d[5*s]
	o0, o1, o2, o3, o4, o5 := &o[0], &o[so], &o[2*so], &o[3*so], &o[4*so], &o[5*so]
	for j := range d0 {
		a0, a1, a2, a3, a4, a5 := d0[j], d1[j], d2[j], d3[j], d4[j], d5[j]
		o0[j] = 4*a0 - 5*a2 + a4
		o1[j] = a3 + a4 - 4*(a1+a2)
		o2[j] = a4 - a3 + 4*(a1-a2)
		o3[j] = a4 - a2 + 2*(a3-a1)
		o4[j] = a4 - a2 - 2*(a3-a1)
		o5[j] = 4*a1 - 5*a3 + a5
	}
}

// WinoAtGo is Aᵀ·m on lanes (6 vectors in, 4 out).
func WinoAtGo(m []WinoLanes, s int, o []WinoLanes, so int) {
	m0, m1, m2, m3, m4, m5 := &m[0], &m[s], &m[2*s], &m[3*s], &m[4*s], &m[5*s]
	o0, o1, o2, o3 := &o[0], &o[so], &o[2*so], &o[3*so]
	for j := range m0 {
		p, q := m1[j]+m2[j], m1[j]-m2[j]
		r, u := m3[j]+m4[j], m3[j]-m4[j]
		o0[j] = m0[j] + p + r
		o1[j] = q + 2*u
		o2[j] = p + 4*r
		o3[j] = q + 8*u + m5[j]
	}
}

// WinoA1Go is A·e on lanes (4 vectors in, 6 out).
func WinoA1Go(e []WinoLanes, s int, o []WinoLanes, so int) {
	e0, e1, e2, e3 := &e[0], &e[s], &e[2*s], &e[3*s]
	o0, o1, o2, o3, o4, o5 := &o[0], &o[so], &o[2*so], &o[3*so], &o[4*so], &o[5*so]
	for j := range e0 {
		p, q := e0[j]+e2[j], e1[j]+e3[j]
		r, u := e0[j]+4*e2[j], 2*e1[j]+8*e3[j]
		o0[j] = e0[j]
		o1[j] = p + q
		o2[j] = p - q
		o3[j] = r + u
		o4[j] = r - u
		o5[j] = e3[j]
	}
}

// WinoInputLanes sets v = Bᵀ d B for every lane of a 6x6 tile group d.
func WinoInputLanes(d, v *[WinoX]WinoLanes) {
	var t [WinoX]WinoLanes
	for c := 0; c < WinoA; c++ { // column c: elements c, c+6, ..., c+30
		WinoBtLanes(d[c:], WinoA, t[c:], WinoA)
	}
	for r := 0; r < WinoA; r++ {
		WinoBtLanes(t[r*WinoA:], 1, v[r*WinoA:], 1)
	}
}

// WinoOutputLanes sets y = Aᵀ m A for every lane of a 6x6 group m.
func WinoOutputLanes(m *[WinoX]WinoLanes, y *[WinoM * WinoM]WinoLanes) {
	var t [WinoM * WinoA]WinoLanes // 4 rows × 6 columns
	for c := 0; c < WinoA; c++ {
		WinoAtLanes(m[c:], WinoA, t[c:], WinoA)
	}
	for r := 0; r < WinoM; r++ {
		WinoAtLanes(t[r*WinoA:], 1, y[r*WinoM:], 1)
	}
}

// WinoGradOutputLanes sets dm = A e Aᵀ for every lane of a 4x4 group e.
func WinoGradOutputLanes(e *[WinoM * WinoM]WinoLanes, dm *[WinoX]WinoLanes) {
	var t [WinoA * WinoM]WinoLanes // 6 rows × 4 columns
	for c := 0; c < WinoM; c++ {
		WinoA1Lanes(e[c:], WinoM, t[c:], WinoM)
	}
	for r := 0; r < WinoA; r++ {
		WinoA1Lanes(t[r*WinoM:], 1, dm[r*WinoA:], 1)
	}
}
