package experiments

import (
	"fmt"
	"math"
)

// Matrix is a row-major float32 matrix: one embedding per row.
type Matrix struct {
	Rows, Cols int
	Data       []float32 // len Rows·Cols
}

// NewMatrix wraps data as a rows×cols matrix, checking its length.
func NewMatrix(rows, cols int, data []float32) (Matrix, error) {
	m := Matrix{Rows: rows, Cols: cols, Data: data}
	return m, m.check("matrix")
}

// Row returns row i (shared with the matrix).
func (m Matrix) Row(i int) []float32 { return m.Data[i*m.Cols : (i+1)*m.Cols] }

func (m Matrix) check(name string) error {
	if m.Rows < 0 || m.Cols <= 0 {
		return fmt.Errorf("%s: bad shape %d×%d (need rows ≥ 0, cols > 0)", name, m.Rows, m.Cols)
	}
	if len(m.Data) != m.Rows*m.Cols {
		return fmt.Errorf("%s: %d values for a %d×%d matrix (want %d)", name, len(m.Data), m.Rows, m.Cols, m.Rows*m.Cols)
	}
	return nil
}

// SubRows returns a new matrix holding the listed rows, in order.
func (m Matrix) SubRows(idx []int) Matrix {
	out := Matrix{Rows: len(idx), Cols: m.Cols, Data: make([]float32, 0, len(idx)*m.Cols)}
	for _, i := range idx {
		out.Data = append(out.Data, m.Row(i)...)
	}
	return out
}

// dot accumulates in float64 so scores of near-identical embeddings still
// compare consistently (ties matter for the rank rule).
func dot(a, b []float32) float64 {
	var s float64
	for i, v := range a {
		s += float64(v) * float64(b[i])
	}
	return s
}

func norm(a []float32) float64 { return math.Sqrt(dot(a, a)) }
