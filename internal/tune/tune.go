// Package tune chooses between interchangeable algorithms (say, a direct
// and a Winograd convolution) by timing them on the machine at hand, once
// per shape class, instead of by thresholds measured on another CPU.
//
// The choices form a Plan. A measured plan keeps them in a cache file in the
// user's cache folder, one per CPU and SIMD level, so later runs on the same
// machine reuse them without timing and give the same bits. A plan can be
// pinned from a file (a run.json's "plan", or a bare key → choice map) to
// repeat a run exactly elsewhere, and the static plan keeps the built-in
// thresholds. MMPOISON_TUNE=off selects the static plan, MMPOISON_PLAN=FILE
// a pinned one; test binaries default to the static plan, so that tests see
// the paths their thresholds name.
package tune

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mmpoison/mmpoison/internal/atomicfile"
)

// Mode is how a Plan makes a choice it does not hold yet.
type Mode int

const (
	Static   Mode = iota // take the built-in choice
	Measured             // time the candidates and keep the fastest
	Pinned               // take the pinned choice; the built-in one for a class the pin lacks
)

func (m Mode) String() string {
	switch m {
	case Measured:
		return "measured"
	case Pinned:
		return "pinned"
	}
	return "static"
}

// Margin is how much faster than the built-in choice another candidate
// must be to replace it: timing noise must not flip a tie, and at a tie the
// built-in choice is the more accurate one (e.g. direct over Winograd).
const Margin = 0.05

// reps is how many timed runs each candidate gets after one warm-up; the
// fastest counts, as the least disturbed by the rest of the machine.
const reps = 3

// A Plan holds the algorithm chosen for each shape class.
type Plan struct {
	mode  Mode
	cache string // a measured plan's file; "" keeps choices in memory only

	mu      sync.Mutex
	choices map[string]string
	logf    func(format string, args ...any)
}

// NewStatic is the plan of built-in choices.
func NewStatic() *Plan { return &Plan{mode: Static, choices: map[string]string{}} }

// NewPinned is a plan that takes the given choices.
func NewPinned(choices map[string]string) *Plan {
	p := &Plan{mode: Pinned, choices: map[string]string{}}
	for k, v := range choices {
		p.choices[k] = v
	}
	return p
}

// NewMeasured is a measuring plan that keeps its choices in cacheFile
// ("" for memory only), starting from the choices already there. A cache
// that cannot be read is an error naming it; delete the file to re-measure.
func NewMeasured(cacheFile string) (*Plan, error) {
	p := &Plan{mode: Measured, cache: cacheFile, choices: map[string]string{}}
	if cacheFile == "" {
		return p, nil
	}
	got, err := readChoices(cacheFile)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	p.choices = got
	if p.choices == nil {
		p.choices = map[string]string{}
	}
	return p, nil
}

// Mode reports how the plan chooses.
func (p *Plan) Mode() Mode { return p.mode }

// CacheFile is a measured plan's file, "" for none.
func (p *Plan) CacheFile() string { return p.cache }

// SetLog sends a line per measured choice to logf (nil: silent).
func (p *Plan) SetLog(logf func(format string, args ...any)) {
	p.mu.Lock()
	p.logf = logf
	p.mu.Unlock()
}

// Choose returns the algorithm for shape class key among candidates:
// the plan's choice if it has one, else builtin (static and pinned plans)
// or the fastest by timeOf (measured plans; see Margin). A measured choice
// is kept, and written to the cache file. timeOf runs one candidate once
// and returns how long it took.
func (p *Plan) Choose(key, builtin string, candidates []string, timeOf func(candidate string) time.Duration) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.choices[key]; ok && slices.Contains(candidates, c) {
		return c
	}
	if p.mode != Measured || len(candidates) < 2 {
		return builtin
	}
	if p.cache != "" { // another process sharing the cache may have chosen meanwhile
		if got, err := readChoices(p.cache); err == nil {
			if c, ok := got[key]; ok && slices.Contains(candidates, c) {
				p.choices[key] = c
				return c
			}
		}
	}
	best, times := fastest(builtin, candidates, timeOf)
	p.choices[key] = best
	if p.logf != nil {
		p.logf("tune: %s: %s (%s)", key, best, formatTimes(candidates, times))
	}
	if p.cache != "" {
		if err := p.save(); err != nil && p.logf != nil {
			p.logf("tune: %v; the choice holds for this run only", err)
		}
	}
	return best
}

// Choices is a copy of the choices made or loaded so far: what a run
// records so that it can be pinned.
func (p *Plan) Choices() map[string]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]string, len(p.choices))
	for k, v := range p.choices {
		out[k] = v
	}
	return out
}

// fastest times each candidate (a warm-up, then reps runs, keeping the
// best) and returns the winner: builtin unless another beats it by Margin.
func fastest(builtin string, candidates []string, timeOf func(string) time.Duration) (string, map[string]time.Duration) {
	times := map[string]time.Duration{}
	for _, c := range candidates {
		timeOf(c)
		best := time.Duration(1<<63 - 1)
		for range reps {
			best = min(best, timeOf(c))
		}
		times[c] = best
	}
	win := builtin
	bar, ok := times[builtin]
	if !ok {
		win, bar = candidates[0], times[candidates[0]]
	}
	for _, c := range candidates {
		if c != win && float64(times[c]) < (1-Margin)*float64(bar) {
			win, bar = c, times[c]
		}
	}
	return win, times
}

func formatTimes(candidates []string, times map[string]time.Duration) string {
	s := ""
	for i, c := range candidates {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s %.1f ms", c, times[c].Seconds()*1e3)
	}
	return s
}

// cacheFormat is the cache file's content.
type cacheFormat struct {
	Note    string            `json:"note"`
	Choices map[string]string `json:"choices"`
}

// save merges the plan's choices into its cache file, keeping the file's
// own where both hold a key (the first process to choose wins), and
// replaces the file atomically.
func (p *Plan) save() error {
	merged, err := readChoices(p.cache)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if merged == nil {
		merged = map[string]string{}
	}
	for k, v := range p.choices {
		if _, ok := merged[k]; !ok {
			merged[k] = v
		}
	}
	for k, v := range merged {
		p.choices[k] = v
	}
	body, err := json.MarshalIndent(cacheFormat{Note: "algorithm choices timed on this machine by mmpoison; delete to re-measure", Choices: merged}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p.cache), 0o755); err != nil {
		return fmt.Errorf("tune cache %s: %w", p.cache, err)
	}
	return atomicfile.Write(p.cache, append(body, '\n'))
}

// readChoices reads a cache file, a run.json (its "plan" field) or a bare
// key → choice map.
func readChoices(path string) (map[string]string, error) {
	body, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Choices map[string]string `json:"choices"`
		Plan    *struct {
			Choices map[string]string `json:"choices"`
		} `json:"plan"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("tune plan %s: not valid JSON (%v); delete it or point MMPOISON_PLAN at a run.json", path, err)
	}
	switch {
	case doc.Plan != nil:
		return nonNil(doc.Plan.Choices), nil
	case doc.Choices != nil:
		return doc.Choices, nil
	}
	var bare map[string]string
	if err := json.Unmarshal(body, &bare); err != nil {
		return nil, fmt.Errorf("tune plan %s: want {\"choices\": {...}}, a run.json with a \"plan\", or a map of shape class to algorithm", path)
	}
	return nonNil(bare), nil
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// Record is a plan as a run records it.
type Record struct {
	Mode    string            `json:"mode"`
	Cache   string            `json:"cache,omitempty"`
	Choices map[string]string `json:"choices"`
}

// Record describes the plan for run.json; its choices sorted by JSON.
func (p *Plan) Record() Record {
	return Record{Mode: p.mode.String(), Cache: p.cache, Choices: p.Choices()}
}

// Keys lists the plan's shape classes in order.
func (p *Plan) Keys() []string {
	c := p.Choices()
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var current atomic.Pointer[Plan]

// Current is the process's plan, made from the environment on first use.
func Current() *Plan {
	if p := current.Load(); p != nil {
		return p
	}
	p, warn := FromEnv(os.Getenv, machineKey())
	if warn != nil {
		fmt.Fprintf(os.Stderr, "mmpoison: %v\n", warn)
	}
	if current.CompareAndSwap(nil, p) {
		return p
	}
	return current.Load()
}

// SetCurrent replaces the process's plan and returns the old one (nil if
// none was made yet).
func SetCurrent(p *Plan) *Plan { return current.Swap(p) }

// FromEnv makes the plan the environment asks for: MMPOISON_PLAN=FILE
// pins, MMPOISON_TUNE=off is static, and otherwise a measured plan cached
// under the user's cache folder in a file named by machine (static inside
// test binaries unless MMPOISON_TUNE=on). A plan that cannot be had as
// asked falls back to the static one, with the reason as warn.
func FromEnv(getenv func(string) string, machine string) (p *Plan, warn error) {
	if file := getenv("MMPOISON_PLAN"); file != "" {
		choices, err := readChoices(file)
		if err != nil {
			return NewStatic(), fmt.Errorf("MMPOISON_PLAN: %w; using the static plan", err)
		}
		return NewPinned(choices), nil
	}
	switch v := getenv("MMPOISON_TUNE"); v {
	case "off":
		return NewStatic(), nil
	case "", "on":
		if v == "" && testing.Testing() {
			return NewStatic(), nil
		}
	default:
		return NewStatic(), fmt.Errorf("MMPOISON_TUNE=%q: want on or off; using the static plan", v)
	}
	dir := getenv("MMPOISON_CACHE")
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			p, _ := NewMeasured("")
			return p, fmt.Errorf("tune: no cache folder (%v): choices are timed afresh each run; set MMPOISON_CACHE", err)
		}
		dir = filepath.Join(base, "mmpoison")
	}
	file := filepath.Join(dir, "tune-"+machine+".json")
	p, err := NewMeasured(file)
	if err != nil {
		p, _ = NewMeasured("")
		return p, fmt.Errorf("%w; choices are timed afresh this run", err)
	}
	return p, nil
}
