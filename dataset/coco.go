package dataset

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
)

type cocoCaptions struct {
	Images []struct {
		ID       int64  `json:"id"`
		FileName string `json:"file_name"`
	} `json:"images"`
	Annotations []struct {
		ImageID int64  `json:"image_id"`
		Caption string `json:"caption"`
	} `json:"annotations"`
}

type cocoInstances struct {
	Annotations []struct {
		ImageID    int64 `json:"image_id"`
		CategoryID int   `json:"category_id"`
	} `json:"annotations"`
	Categories []struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	} `json:"categories"`
}

// LoadCOCO reads a COCO 2017 folder: annotations/captions_{train,val}2017.json
// with images in train2017/ and val2017/. Only images with captions become
// rows. When instances_*.json is present each image's label is a seeded random
// choice (opt.Seed, default 42) among its annotated categories, as in the
// paper; opt.TestPerClass > 0 carves a per-class test split.
func LoadCOCO(dir string, opt Options) (*Dataset, error) {
	d := &Dataset{Name: "coco", Root: dir}
	ann := filepath.Join(dir, "annotations")
	imagesByID := map[int64]int{} // image id -> row index
	var ids []int64               // row order: split, then image id
	found, blank := 0, 0
	for _, sp := range []struct{ split, year string }{{Train, "train"}, {Val, "val"}} {
		path := filepath.Join(ann, "captions_"+sp.year+"2017.json")
		data, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("dataset coco: %w", err)
		}
		found++
		var caps cocoCaptions
		if err := decodeJSON(path, data, &caps); err != nil {
			return nil, err
		}
		if len(caps.Images) == 0 || len(caps.Annotations) == 0 {
			return nil, fmt.Errorf("%s holds no \"images\" or no \"annotations\": want a COCO captions file", path)
		}
		files := map[int64]string{}
		for _, im := range caps.Images {
			files[im.ID] = im.FileName
		}
		byImage := map[int64][]string{}
		for i, a := range caps.Annotations {
			if _, ok := files[a.ImageID]; !ok {
				return nil, fmt.Errorf("%s: annotation %d names image_id %d, which is not in \"images\"", path, i, a.ImageID)
			}
			byImage[a.ImageID] = append(byImage[a.ImageID], a.Caption)
		}
		splitIDs := make([]int64, 0, len(byImage))
		for id := range byImage {
			splitIDs = append(splitIDs, id)
		}
		sort.Slice(splitIDs, func(a, b int) bool { return splitIDs[a] < splitIDs[b] })
		for _, id := range splitIDs {
			g := newGrouper() // trims and drops empty captions
			for _, c := range byImage[id] {
				g.add("", c, "", "")
			}
			if len(g.rows[0].Captions) == 0 {
				blank++
				continue
			}
			imagesByID[id] = len(d.Rows)
			ids = append(ids, id)
			d.Rows = append(d.Rows, Row{Image: filepath.Join(sp.year+"2017", files[id]), Captions: g.rows[0].Captions, Split: sp.split})
		}
	}
	if found == 0 {
		return nil, fmt.Errorf("dataset coco: no captions_train2017.json or captions_val2017.json under %s", ann)
	}
	if len(d.Rows) == 0 {
		return nil, fmt.Errorf("dataset coco: every caption under %s is blank", ann)
	}
	if blank > 0 {
		d.Notes = append(d.Notes, fmt.Sprintf("%d images have only blank captions and were left out", blank))
	}
	renumber(d)
	if err := cocoLabels(d, ann, imagesByID, ids, opt.seed()); err != nil {
		return nil, err
	}
	if opt.TestPerClass > 0 {
		carveTest(d, opt.TestPerClass, rand.New(rand.NewPCG(opt.seed(), 1)))
	}
	if err := checkImages(d, opt.Missing); err != nil {
		return nil, err
	}
	return d, nil
}

// cocoLabels reads instances_*.json (when present) and labels each row with a
// seeded random choice among its image's distinct categories.
func cocoLabels(d *Dataset, ann string, rowOf map[int64]int, ids []int64, seed uint64) error {
	cats := map[int64]map[int]bool{}
	names := map[int]string{}
	var catOrder []int
	for _, year := range []string{"train", "val"} {
		path := filepath.Join(ann, "instances_"+year+"2017.json")
		data, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("dataset coco: %w", err)
		}
		var inst cocoInstances
		if err := decodeJSON(path, data, &inst); err != nil {
			return err
		}
		if len(inst.Categories) == 0 {
			return fmt.Errorf("%s defines no \"categories\": want a COCO instances file", path)
		}
		defined := map[int]bool{}
		for _, c := range inst.Categories {
			defined[c.ID] = true
		}
		for i, a := range inst.Annotations {
			if !defined[a.CategoryID] {
				return fmt.Errorf("%s: annotation %d has category_id %d, which its \"categories\" do not define", path, i, a.CategoryID)
			}
		}
		for _, c := range inst.Categories {
			if _, ok := names[c.ID]; !ok {
				names[c.ID] = c.Name
				catOrder = append(catOrder, c.ID)
			}
		}
		for _, a := range inst.Annotations {
			if cats[a.ImageID] == nil {
				cats[a.ImageID] = map[int]bool{}
			}
			cats[a.ImageID][a.CategoryID] = true
		}
	}
	sort.Ints(catOrder)
	for _, id := range catOrder {
		d.Classes = append(d.Classes, names[id])
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	for _, id := range ids { // fixed order keeps the choice reproducible
		set := cats[id]
		if len(set) == 0 {
			continue
		}
		choices := make([]int, 0, len(set))
		for c := range set {
			choices = append(choices, c)
		}
		sort.Ints(choices)
		d.Rows[rowOf[id]].Label = names[choices[rng.IntN(len(choices))]]
	}
	return nil
}

// carveTest moves up to perClass randomly chosen labelled rows of every class
// into the Test split; the paper's COCO test set is 50 images per class.
func carveTest(d *Dataset, perClass int, rng *rand.Rand) {
	byClass := map[string][]int{}
	for i, r := range d.Rows {
		if r.Label != "" {
			byClass[r.Label] = append(byClass[r.Label], i)
		}
	}
	for _, c := range d.Classes {
		idx := byClass[c]
		rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
		if len(idx) > perClass {
			idx = idx[:perClass]
		}
		for _, i := range idx {
			d.Rows[i].Split = Test
		}
	}
}
