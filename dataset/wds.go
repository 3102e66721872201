package dataset

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// Member is an image stored inside an archive (a webdataset shard): Size
// bytes at Offset of the file Row.Image names. Nothing is unpacked: the
// image cache reads the bytes in place.
type Member struct {
	Name         string // the member's name in the archive, for messages
	Offset, Size int64
}

// wdsImageExts are the image members a webdataset sample may carry, in the
// order one is chosen when a sample has several.
var wdsImageExts = []string{"jpg", "jpeg", "png", "webp"}

// maxWDSText bounds one caption member (.txt, .json) read into memory.
const maxWDSText = 1 << 20

// LoadWebDataset reads webdataset tar shards, as open_clip and img2dataset
// write them: members grouped into samples by key (the name up to its first
// dot), each sample an image (.jpg, .png, …) with captions in .txt (one a
// line) or .json ("caption", or a "captions" list; "split" and "label" when
// present). spec is the shard path, with brace ranges
// ("shard-{0000..0099}.tar") and lists ("{a,b}"), then settings: test=N
// carves N samples (seeded) into the test split of shards that name none.
func LoadWebDataset(spec string, opt Options) (*Dataset, error) {
	kv, pattern, err := parseKV(spec)
	if err != nil {
		return nil, fmt.Errorf("wds: %w", err)
	}
	if pattern == "" {
		return nil, fmt.Errorf("wds: no shard path; write wds:/data/shard-{0000..0009}.tar")
	}
	test := 0
	for k, v := range kv {
		switch k {
		case "test":
			if test, err = strconv.Atoi(v); err != nil || test < 0 {
				return nil, fmt.Errorf("wds: test=%q: want a number of samples", v)
			}
		case "seed":
			s, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("wds: seed=%q: want a number", v)
			}
			opt.Seed = s
		default:
			return nil, fmt.Errorf("wds: unknown setting %q; want test or seed", k)
		}
	}
	shards, err := ExpandBraces(pattern)
	if err != nil {
		return nil, fmt.Errorf("wds: %w", err)
	}
	d := &Dataset{Name: strings.TrimSuffix(path.Base(shards[0]), ".tar"), Root: filepath.Dir(shards[0])}
	noCaption := 0
	for _, shard := range shards {
		rows, skipped, err := readShard(shard)
		if err != nil {
			return nil, err
		}
		d.Rows = append(d.Rows, rows...)
		noCaption += skipped
	}
	if noCaption > 0 {
		d.Notes = append(d.Notes, fmt.Sprintf("%d samples have no caption and were skipped", noCaption))
	}
	if len(d.Rows) == 0 {
		return nil, fmt.Errorf("wds: no captioned samples in %d shard(s) of %s", len(shards), pattern)
	}
	carveWDSTest(d, test, opt.seed())
	d.Classes = classesOf(d.Rows)
	renumber(d)
	if err := checkImages(d, opt.Missing); err != nil {
		return nil, err
	}
	return d, nil
}

// carveWDSTest moves n samples without a split into the test split, the rest
// of them into train.
func carveWDSTest(d *Dataset, n int, seed uint64) {
	var free []int
	for i := range d.Rows {
		if d.Rows[i].Split == "" {
			free = append(free, i)
		}
	}
	rand.New(rand.NewPCG(seed, 0x3d5)).Shuffle(len(free), func(a, b int) { free[a], free[b] = free[b], free[a] })
	for k, i := range free {
		d.Rows[i].Split = Train
		if k < n {
			d.Rows[i].Split = Test
		}
	}
}

// offsetReader counts the bytes read through it: after tar's Next, the
// count is where the member's data starts.
type offsetReader struct {
	r   io.Reader
	off int64
}

func (o *offsetReader) Read(p []byte) (int, error) {
	n, err := o.r.Read(p)
	o.off += int64(n)
	return n, err
}

// readShard lists one shard's samples, reading only their caption members.
func readShard(shard string) (rows []Row, noCaption int, err error) {
	f, err := os.Open(shard)
	if err != nil {
		return nil, 0, fmt.Errorf("wds: %w", err)
	}
	defer f.Close()
	or := &offsetReader{r: f}
	tr := tar.NewReader(or)
	type sample struct {
		row   Row
		image map[string]*Member
	}
	var order []string
	samples := map[string]*sample{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, 0, fmt.Errorf("wds: shard %s: after %d samples: %w (a truncated or corrupt tar)", shard, len(order), err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		dir, base := path.Split(h.Name)
		key, ext, ok := strings.Cut(base, ".")
		if !ok || strings.HasPrefix(base, ".") {
			continue
		}
		key, ext = dir+key, strings.ToLower(ext)
		s := samples[key]
		if s == nil {
			s = &sample{row: Row{Image: shard}, image: map[string]*Member{}}
			samples[key] = s
			order = append(order, key)
		}
		switch ext {
		case "txt", "json":
			if h.Size > maxWDSText {
				return nil, 0, fmt.Errorf("wds: shard %s: member %s is %d bytes, more than a caption's %d", shard, h.Name, h.Size, maxWDSText)
			}
			b, err := io.ReadAll(tr)
			if err != nil {
				return nil, 0, fmt.Errorf("wds: shard %s: member %s: %w", shard, h.Name, err)
			}
			if err := s.row.addWDSText(ext, b); err != nil {
				return nil, 0, fmt.Errorf("wds: shard %s: member %s: %w", shard, h.Name, err)
			}
		default:
			if isWDSImage(ext) {
				s.image[ext] = &Member{Name: h.Name, Offset: or.off, Size: h.Size}
			}
		}
	}
	for _, key := range order {
		s := samples[key]
		if len(s.row.Captions) == 0 {
			noCaption++
			continue
		}
		for _, ext := range wdsImageExts {
			if m := s.image[ext]; m != nil {
				s.row.Member = m
				break
			}
		}
		if s.row.Member == nil { // a caption without an image: the missing-image policy decides
			s.row.Image = shard + ":" + key + ".jpg"
		}
		rows = append(rows, s.row)
	}
	return rows, noCaption, nil
}

func isWDSImage(ext string) bool {
	for _, e := range wdsImageExts {
		if ext == e {
			return true
		}
	}
	return false
}

// addWDSText takes a sample's .txt (captions, one a line) or .json member.
func (r *Row) addWDSText(ext string, b []byte) error {
	if ext == "txt" {
		for _, line := range strings.Split(string(b), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				r.Captions = append(r.Captions, line)
			}
		}
		return nil
	}
	var meta struct {
		Caption  *string  `json:"caption"`
		Captions []string `json:"captions"`
		Split    string   `json:"split"`
		Label    string   `json:"label"`
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		return fmt.Errorf("bad JSON: %w", err)
	}
	if len(r.Captions) == 0 { // a .txt member, when there is one, has the captions already
		switch {
		case len(meta.Captions) > 0:
			r.Captions = append(r.Captions, meta.Captions...)
		case meta.Caption != nil && strings.TrimSpace(*meta.Caption) != "":
			r.Captions = append(r.Captions, strings.TrimSpace(*meta.Caption))
		}
	}
	switch meta.Split {
	case "", Train, Val, Test:
		r.Split = meta.Split
	default:
		return fmt.Errorf("split %q: want train, val or test", meta.Split)
	}
	r.Label = meta.Label
	return nil
}

// ExpandBraces expands shell-style brace groups: numeric ranges
// ("{0000..0099}", zero padding kept) and lists ("{a,b}"), left to right.
func ExpandBraces(pattern string) ([]string, error) {
	lo := strings.IndexByte(pattern, '{')
	if lo < 0 {
		if strings.IndexByte(pattern, '}') >= 0 {
			return nil, fmt.Errorf("%q: a '}' without its '{'", pattern)
		}
		return []string{pattern}, nil
	}
	hi := strings.IndexByte(pattern[lo:], '}')
	if hi < 0 {
		return nil, fmt.Errorf("%q: a '{' without its '}'", pattern)
	}
	hi += lo
	body := pattern[lo+1 : hi]
	var alts []string
	if a, b, ok := strings.Cut(body, ".."); ok {
		from, err1 := strconv.Atoi(a)
		to, err2 := strconv.Atoi(b)
		if err1 != nil || err2 != nil || from > to || from < 0 {
			return nil, fmt.Errorf("%q: range {%s}: want {FROM..TO} with 0 <= FROM <= TO", pattern, body)
		}
		if to-from >= 1_000_000 {
			return nil, fmt.Errorf("%q: range {%s} names %d shards, more than a million", pattern, body, to-from+1)
		}
		for i := from; i <= to; i++ {
			alts = append(alts, fmt.Sprintf("%0*d", len(a), i))
		}
	} else {
		alts = strings.Split(body, ",")
	}
	rest, err := ExpandBraces(pattern[hi+1:])
	if err != nil {
		return nil, err
	}
	if len(alts)*len(rest) > 1_000_000 {
		return nil, fmt.Errorf("%q names more than a million shards", pattern)
	}
	var out []string
	for _, a := range alts {
		for _, r := range rest {
			out = append(out, pattern[:lo]+a+r)
		}
	}
	return out, nil
}
