package experiments

import (
	"fmt"
	"math"
	"strings"
)

// MetricZeroShotAcc is CLIP-style zero-shot classification accuracy on the
// labelled test images, recorded with direction i2t (images query class prompts).
const MetricZeroShotAcc = "zeroshot_acc"

// ClassPlaceholder marks where a zero-shot template takes the class name.
const ClassPlaceholder = "{}"

// DefaultZeroShotTemplates are the prompts each class is embedded with when
// a config gives none; a few phrasings average out wording quirks.
var DefaultZeroShotTemplates = []string{
	"a photo of a {}.",
	"a picture of a {}.",
	"a black and white photo of a {}.",
	"a low resolution photo of a {}.",
}

// TextEmbedder maps captions to unit-length embeddings, len(captions)·dim
// values (clipmodel.Model.EmbedTexts bound to a tokenizer).
type TextEmbedder func(captions []string) []float32

// ZeroShotPrompts fills every template with every class name, class-major:
// prompt c·len(templates)+t is template t for class c.
func ZeroShotPrompts(classes, templates []string) ([]string, error) {
	if len(classes) == 0 {
		return nil, fmt.Errorf("zero-shot: no classes to classify into")
	}
	if len(templates) == 0 {
		return nil, fmt.Errorf("zero-shot: no prompt templates")
	}
	for _, t := range templates {
		if !strings.Contains(t, ClassPlaceholder) {
			return nil, fmt.Errorf("zero-shot template %q has no %s where the class name goes", t, ClassPlaceholder)
		}
	}
	out := make([]string, 0, len(classes)*len(templates))
	for _, c := range classes {
		for _, t := range templates {
			out = append(out, strings.ReplaceAll(t, ClassPlaceholder, c))
		}
	}
	return out, nil
}

// ClassPrototypes averages each class's normalised prompt embeddings
// (class-major rows, perClass templates each) and renormalises the mean, as
// CLIP's zero-shot classifier does.
func ClassPrototypes(prompts Matrix, perClass int) (Matrix, error) {
	if err := prompts.check("zero-shot prompt embeddings"); err != nil {
		return Matrix{}, err
	}
	if perClass <= 0 || prompts.Rows%perClass != 0 || prompts.Rows == 0 {
		return Matrix{}, fmt.Errorf("zero-shot: %d prompt embeddings do not split into classes of %d templates", prompts.Rows, perClass)
	}
	n, d := prompts.Rows/perClass, prompts.Cols
	out := Matrix{Rows: n, Cols: d, Data: make([]float32, n*d)}
	sum := make([]float64, d)
	for c := 0; c < n; c++ {
		clear(sum)
		for t := 0; t < perClass; t++ {
			p := prompts.Row(c*perClass + t)
			l := norm(p)
			if l == 0 {
				continue // an all-zero prompt embedding carries no direction
			}
			for k, v := range p {
				sum[k] += float64(v) / l
			}
		}
		var l float64
		for _, v := range sum {
			l += v * v
		}
		if l = math.Sqrt(l); l == 0 {
			continue // leaves a zero prototype: it scores 0 against every image
		}
		row := out.Row(c)
		for k, v := range sum {
			row[k] = float32(v / l)
		}
	}
	return out, nil
}

// ZeroShotScore classifies each image by its most cosine-similar class
// prototype and returns the fraction classified correctly and how many
// images counted. Images with an empty label are skipped; a label outside
// classes is an error. A tie between the true class and another counts as
// wrong, matching the pessimistic tie rule of the ranks.
func ZeroShotScore(images Matrix, labels []string, classes []string, protos Matrix) (acc float64, n int, err error) {
	if err := images.check("zero-shot image embeddings"); err != nil {
		return 0, 0, err
	}
	if err := protos.check("zero-shot class prototypes"); err != nil {
		return 0, 0, err
	}
	if len(labels) != images.Rows {
		return 0, 0, fmt.Errorf("zero-shot: %d labels for %d images", len(labels), images.Rows)
	}
	if protos.Rows != len(classes) {
		return 0, 0, fmt.Errorf("zero-shot: %d class prototypes for %d classes", protos.Rows, len(classes))
	}
	if protos.Cols != images.Cols {
		return 0, 0, fmt.Errorf("zero-shot: image embeddings have %d dims, class prototypes %d", images.Cols, protos.Cols)
	}
	index := make(map[string]int, len(classes))
	for i, c := range classes {
		index[c] = i
	}
	correct := 0
	for i := 0; i < images.Rows; i++ {
		if labels[i] == "" {
			continue
		}
		truth, ok := index[labels[i]]
		if !ok {
			return 0, 0, fmt.Errorf("zero-shot: image %d has label %q, which is not among the %d classes", i, labels[i], len(classes))
		}
		n++
		img := images.Row(i)
		best := dot(img, protos.Row(truth))
		right := true
		for c := 0; c < protos.Rows && right; c++ {
			if c != truth && dot(img, protos.Row(c)) >= best {
				right = false
			}
		}
		if right {
			correct++
		}
	}
	if n == 0 {
		return 0, 0, fmt.Errorf("zero-shot: no labelled images to classify")
	}
	return float64(correct) / float64(n), n, nil
}

// ZeroShotAccuracy embeds every class's prompts with embed, builds the class
// prototypes and scores the images (unit-length rows) against their labels.
// Empty templates take DefaultZeroShotTemplates.
func ZeroShotAccuracy(embed TextEmbedder, images Matrix, labels, classes, templates []string) (float64, error) {
	if len(templates) == 0 {
		templates = DefaultZeroShotTemplates
	}
	prompts, err := ZeroShotPrompts(classes, templates)
	if err != nil {
		return 0, err
	}
	pe, err := NewMatrix(len(prompts), images.Cols, embed(prompts))
	if err != nil {
		return 0, fmt.Errorf("zero-shot prompt embeddings: %w", err)
	}
	protos, err := ClassPrototypes(pe, len(templates))
	if err != nil {
		return 0, err
	}
	acc, _, err := ZeroShotScore(images, labels, classes, protos)
	return acc, err
}
