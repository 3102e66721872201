package conv

// WinoGeom is the tiling of one Winograd convolution: n images of in
// channels to out channels, planes h×w (input and output alike), cut into
// tilesH×tilesW tiles of 4x4 outputs; chunk images are transformed at once,
// as many as fit in chunkTiles tiles.
type WinoGeom struct {
	N, In, Out, H, W int
	TilesH, TilesW   int
	Tiles            int // per image
	Chunk            int // images per round of GEMMs
}

func NewWinoGeom(n, in, out, h, w, chunkTiles int) WinoGeom {
	q := WinoGeom{N: n, In: in, Out: out, H: h, W: w,
		TilesH: (h + WinoM - 1) / WinoM, TilesW: (w + WinoM - 1) / WinoM}
	q.Tiles = q.TilesH * q.TilesW
	q.Chunk = max(1, min(n, chunkTiles/q.Tiles))
	return q
}

// chunks calls fn(i0, i1) for consecutive image ranges of at most q.Chunk images.
func (q *WinoGeom) Chunks(fn func(i0, i1 int)) {
	for i0 := 0; i0 < q.N; i0 += q.Chunk {
		fn(i0, min(i0+q.Chunk, q.N))
	}
}
