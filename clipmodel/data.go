package clipmodel

import (
	"fmt"
	"maps"

	"github.com/mmpoison/mmpoison/dataset"
	"github.com/mmpoison/mmpoison/text"
	"github.com/mmpoison/mmpoison/vision"
	"github.com/mmpoison/mmpoison/vision/rgb"
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
	if m := r.Member; m != nil {
		return fmt.Sprintf("member:%s@%d", ds.ImagePath(r), m.Offset)
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
		} else if m := r.Member; m != nil {
			p := ds.ImagePath(r)
			sources = append(sources, vision.ImageSource{Path: p, Offset: m.Offset, Length: m.Size, Name: p + ": " + m.Name})
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

// Extend returns Images holding im's images, then the in-memory images of
// ds's rows that im does not hold (a backdoor's stamped copies), then extra,
// in a new cache file at path; it also returns the slots of extra. Every
// image must already be at the cache's size: they are stored as they are,
// and im's images are copied, not decoded again.
func (im *Images) Extend(ds *dataset.Dataset, extra []*rgb.Image, path string) (*Images, []int, error) {
	size := im.Cache.Size()
	out := &Images{slot: maps.Clone(im.slot)}
	sources := make([]vision.ImageSource, im.Cache.Len(), im.Cache.Len()+len(extra))
	for s := range sources {
		sources[s] = vision.ImageSource{Pixels: im.Cache.Image(s)}
	}
	add := func(img *rgb.Image, what string) error {
		if img.W != size || img.H != size {
			return fmt.Errorf("extend image cache %s: %s is %dx%d, want the cache's %dx%d", im.Cache.Path(), what, img.W, img.H, size, size)
		}
		sources = append(sources, vision.ImageSource{Pixels: img})
		return nil
	}
	for i := range ds.Rows {
		r := &ds.Rows[i]
		if r.Pixels == nil || r.MissingImage {
			continue
		}
		key := imageKey(ds, r)
		if _, ok := out.slot[key]; ok {
			continue
		}
		out.slot[key] = len(sources)
		if err := add(r.Pixels, fmt.Sprintf("the image of row %d", r.ID)); err != nil {
			return nil, nil, err
		}
	}
	slots := make([]int, len(extra))
	for i, img := range extra {
		slots[i] = len(sources)
		if err := add(img, fmt.Sprintf("extra image %d", i)); err != nil {
			return nil, nil, err
		}
	}
	c, err := vision.BuildCache(path, sources, size, vision.FailOnBad, nil)
	if err != nil {
		return nil, nil, err
	}
	out.Cache = c
	return out, slots, nil
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
