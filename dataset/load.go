package dataset

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// MissingPolicy says what a loader does when a caption's image file is absent.
type MissingPolicy int

const (
	// FailMissing makes the loader return an error naming how many images are
	// missing and the first few (the default: silent holes skew experiments).
	FailMissing MissingPolicy = iota
	// KeepMissing keeps caption-only rows (Row.MissingImage set) and counts them
	// in Dataset.Missing.
	KeepMissing
	// DropMissing leaves rows without an image out and counts them in Dataset.Missing.
	DropMissing
)

// Options tunes the loaders; the zero value is a sensible default.
type Options struct {
	Missing MissingPolicy

	// CSV/TSV column names; empty means auto-detect (filepath/title, image/caption).
	ImageColumn, CaptionColumn, SplitColumn, LabelColumn string
	// ImageRoot overrides the folder image paths are resolved against
	// (CSV: the file's folder; Karpathy JSON: the file's folder).
	ImageRoot string

	// Seed drives every random choice a loader makes (COCO label choice, test
	// carving, PASCAL halves); 0 means 42, the paper's seed.
	Seed uint64
	// TestPerClass > 0 carves a test split of that many labelled images per
	// class out of COCO (the paper uses 50 per class).
	TestPerClass int

	Shapes  ShapesOptions
	Fashion FashionOptions
}

func (o Options) seed() uint64 {
	if o.Seed == 0 {
		return 42
	}
	return o.Seed
}

// Formats lists the spec prefixes Load understands.
var Formats = []string{"shapes", "csv", "tsv", "coco", "flickr8k", "flickr30k", "pascal", "karpathy", "folder", "fashion", "wds"}

// Load reads a dataset from a spec "FORMAT:PATH" (or "FORMAT:key=value,..."
// for the generated sets) with default options, e.g. "shapes:seed=1,n=2000",
// "csv:train.csv", "coco:../shared/data/coco-mini".
func Load(spec string) (*Dataset, error) { return LoadWith(spec, Options{}) }

// LoadWith is Load with explicit options; key=value settings in the spec
// override the matching fields of opt.
func LoadWith(spec string, opt Options) (*Dataset, error) {
	format, rest, _ := strings.Cut(spec, ":")
	format = strings.ToLower(strings.TrimSpace(format))
	needPath := func() error {
		if rest == "" {
			return fmt.Errorf("dataset spec %q: missing path; write %s:PATH", spec, format)
		}
		return nil
	}
	switch format {
	case "shapes", "":
		if err := applyShapesSpec(rest, &opt.Shapes); err != nil {
			return nil, fmt.Errorf("dataset spec %q: %w", spec, err)
		}
		return Shapes(opt.Shapes)
	case "fashion", "fashion-mnist":
		path, err := applyFashionSpec(rest, &opt.Fashion)
		if err != nil {
			return nil, fmt.Errorf("dataset spec %q: %w", spec, err)
		}
		return Fashion(path, opt.Fashion)
	case "csv", "tsv":
		if err := needPath(); err != nil {
			return nil, err
		}
		return LoadCSV(rest, opt)
	case "coco":
		if err := needPath(); err != nil {
			return nil, err
		}
		path, err := applyCOCOSpec(rest, &opt)
		if err != nil {
			return nil, fmt.Errorf("dataset spec %q: %w", spec, err)
		}
		return LoadCOCO(path, opt)
	case "flickr8k", "flickr30k", "flickr":
		if err := needPath(); err != nil {
			return nil, err
		}
		return LoadFlickr(rest, opt)
	case "pascal":
		if err := needPath(); err != nil {
			return nil, err
		}
		return LoadPascal(rest, opt)
	case "karpathy", "albef", "json":
		if err := needPath(); err != nil {
			return nil, err
		}
		return LoadKarpathy(rest, opt)
	case "wds", "webdataset":
		if err := needPath(); err != nil {
			return nil, err
		}
		return LoadWebDataset(rest, opt)
	case "folder", "dir":
		if err := needPath(); err != nil {
			return nil, err
		}
		return LoadFolder(rest, opt)
	}
	return nil, fmt.Errorf("dataset spec %q: unknown format %q; use one of %s", spec, format, strings.Join(Formats, ", "))
}

// parseKV splits "a=1,b=2,path" into settings and the one bare token (a path).
func parseKV(s string) (kv map[string]string, bare string, err error) {
	kv = map[string]string{}
	if strings.TrimSpace(s) == "" {
		return kv, "", nil
	}
	for _, tok := range strings.Split(s, ",") {
		tok = strings.TrimSpace(tok)
		k, v, ok := strings.Cut(tok, "=")
		if !ok {
			if bare != "" {
				return nil, "", fmt.Errorf("two bare values %q and %q; write key=value", bare, tok)
			}
			bare = tok
			continue
		}
		kv[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
	}
	return kv, bare, nil
}

// setInts assigns integer settings to the named targets and rejects unknown keys.
func setInts(kv map[string]string, targets map[string]*int) error {
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		dst, ok := targets[k]
		if !ok {
			known := make([]string, 0, len(targets))
			for t := range targets {
				known = append(known, t)
			}
			sort.Strings(known)
			return fmt.Errorf("unknown setting %q; known: %s", k, strings.Join(known, ", "))
		}
		n, err := strconv.Atoi(kv[k])
		if err != nil || n < 0 {
			return fmt.Errorf("setting %s=%q: want a non-negative integer", k, kv[k])
		}
		*dst = n
	}
	return nil
}
