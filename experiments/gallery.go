package experiments

import (
	"fmt"

	"github.com/mmpoison/mmpoison/dataset"
)

// Gallery is an embedded test split: one image embedding per row and one
// text embedding per caption, captions flattened in row order.
type Gallery struct {
	Rows       []dataset.Row
	Images     Matrix // len(Rows) × d
	Texts      Matrix // one row per caption
	CaptionRow []int  // CaptionRow[c] = index in Rows of caption c
	firstCap   []int  // firstCap[i] = index in Texts of row i's first caption
}

// NewGallery checks that the embeddings match the rows and indexes captions.
func NewGallery(rows []dataset.Row, images, texts Matrix) (*Gallery, error) {
	if err := images.check("gallery images"); err != nil {
		return nil, err
	}
	if err := texts.check("gallery texts"); err != nil {
		return nil, err
	}
	if images.Rows != len(rows) {
		return nil, fmt.Errorf("gallery: %d image embeddings for %d rows", images.Rows, len(rows))
	}
	if images.Cols != texts.Cols {
		return nil, fmt.Errorf("gallery: image embeddings have %d dims, text embeddings %d", images.Cols, texts.Cols)
	}
	g := &Gallery{Rows: rows, Images: images, Texts: texts, firstCap: make([]int, len(rows))}
	for i, r := range rows {
		g.firstCap[i] = len(g.CaptionRow)
		for range r.Captions {
			g.CaptionRow = append(g.CaptionRow, i)
		}
	}
	if texts.Rows != len(g.CaptionRow) {
		return nil, fmt.Errorf("gallery: %d text embeddings for %d captions (embed every caption of every row, in row order)", texts.Rows, len(g.CaptionRow))
	}
	return g, nil
}

// ImagesOf lists the gallery indices of class's images.
func (g *Gallery) ImagesOf(class string) []int {
	var out []int
	for i, r := range g.Rows {
		if r.Label == class {
			out = append(out, i)
		}
	}
	return out
}

// CaptionsOf lists the text indices of class's captions.
func (g *Gallery) CaptionsOf(class string) []int {
	var out []int
	for i, r := range g.Rows {
		if r.Label == class {
			out = append(out, g.captionsOfRow(i)...)
		}
	}
	return out
}

// RowIndex finds the gallery index of the row with the given ID.
func (g *Gallery) RowIndex(id int) (int, bool) {
	for i, r := range g.Rows {
		if r.ID == id {
			return i, true
		}
	}
	return -1, false
}

func (g *Gallery) captionsOfRow(i int) []int {
	out := make([]int, len(g.Rows[i].Captions))
	for k := range out {
		out[k] = g.firstCap[i] + k
	}
	return out
}
