package clipmodel

import (
	"fmt"

	"github.com/mmpoison/mmpoison/dataset"
	"github.com/mmpoison/mmpoison/text"
	"github.com/mmpoison/mmpoison/vision"
)

// Images holds every distinct image of a dataset, preprocessed once into a
// cache, and maps rows to cache slots. Poisoned datasets re-pair the same
// images, so one Images serves the clean data and every poisoned variant.
type Images struct {
	Cache *vision.Cache
	slot  map[string]int
}

// imageKey identifies a row's image: its resolved path, or its in-memory pixels.
func imageKey(ds *dataset.Dataset, r *dataset.Row) string {
	if r.Pixels != nil {
		return fmt.Sprintf("mem:%p", r.Pixels)
	}
	return "file:" + ds.ImagePath(r)
}

// BuildImages preprocesses the images of all rows of ds at the given size
// into the cache file at cachePath (reused when it is up to date). missing
// is the policy ds was loaded with, and it decides unreadable images too:
// under dataset.FailMissing they are an error naming the first, otherwise
// they are left out like absent ones.
func BuildImages(ds *dataset.Dataset, size int, cachePath string, missing dataset.MissingPolicy, progress func(done, total int)) (*Images, error) {
	policy := vision.FailOnBad
	if missing != dataset.FailMissing {
		policy = vision.SkipBad
	}
	im := &Images{slot: map[string]int{}}
	var sources []vision.ImageSource
	for i := range ds.Rows {
		r := &ds.Rows[i]
		if r.MissingImage {
			continue
		}
		key := imageKey(ds, r)
		if _, ok := im.slot[key]; ok {
			continue
		}
		im.slot[key] = len(sources)
		if r.Pixels != nil {
			sources = append(sources, vision.ImageSource{Pixels: r.Pixels})
		} else {
			sources = append(sources, vision.ImageSource{Path: ds.ImagePath(r)})
		}
	}
	if len(sources) == 0 {
		return nil, fmt.Errorf("dataset %s has no images", ds.Name)
	}
	c, err := vision.BuildCache(cachePath, sources, size, policy, progress)
	if err != nil {
		return nil, err
	}
	im.Cache = c
	skipped := map[int]bool{}
	for _, s := range c.Skipped() {
		skipped[s] = true
	}
	for k, s := range im.slot {
		if skipped[s] {
			delete(im.slot, k)
		}
	}
	return im, nil
}

// Slot returns the cache slot of row r's image, or false when the image is
// unknown or was skipped as unreadable.
func (im *Images) Slot(ds *dataset.Dataset, r *dataset.Row) (int, bool) {
	s, ok := im.slot[imageKey(ds, r)]
	return s, ok
}

// Examples are image-caption pairs ready for training or evaluation: the
// cache slot of each pair's image and its tokenised caption.
type Examples struct {
	Slot    []int // cache slot per pair
	Row     []int // dataset row per pair
	Caption []int // caption index within the row
	Tokens  []int // [len(Slot)·Context] token ids
	EOT     []int // end-of-text position per pair
	Context int
}

// Len is the number of pairs.
func (e *Examples) Len() int { return len(e.Slot) }

// MakeExamples expands the rows of split ("" for all) into pairs, one per
// caption, skipping rows whose image is missing or unreadable.
func MakeExamples(ds *dataset.Dataset, split string, im *Images, tok *text.Tokenizer, context int) (*Examples, error) {
	e := &Examples{Context: context}
	var captions []string
	for _, p := range dataset.Pairs(ds, split) {
		r := &ds.Rows[p.Row]
		s, ok := im.Slot(ds, r)
		if !ok {
			continue
		}
		e.Slot = append(e.Slot, s)
		e.Row = append(e.Row, p.Row)
		e.Caption = append(e.Caption, p.Caption)
		captions = append(captions, r.Captions[p.Caption])
	}
	if len(captions) == 0 {
		return nil, fmt.Errorf("dataset %s has no usable image-caption pairs in split %q", ds.Name, split)
	}
	e.Tokens, e.EOT = tok.TokenizeBatch(captions, context)
	return e, nil
}
