package tune

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeTimes is a timeOf that reports fixed durations and counts its calls.
type fakeTimes struct {
	ms    map[string]float64
	calls int
}

func (f *fakeTimes) timeOf(c string) time.Duration {
	f.calls++
	return time.Duration(f.ms[c] * float64(time.Millisecond))
}

var algs = []string{"direct", "winograd"}

func TestMeasuredPlanTakesTheFastestBeyondTheMargin(t *testing.T) {
	for _, tc := range []struct {
		name          string
		direct, wino  float64
		builtin, want string
	}{
		{"clear win", 100, 60, "direct", "winograd"},
		{"builtin loses clearly", 147, 99, "winograd", "winograd"},
		{"builtin wrong", 99, 147, "winograd", "direct"},
		{"tie keeps builtin", 100, 97, "direct", "direct"},
		{"tie keeps builtin either way", 97, 100, "winograd", "winograd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := NewMeasured("")
			if err != nil {
				t.Fatal(err)
			}
			f := &fakeTimes{ms: map[string]float64{"direct": tc.direct, "winograd": tc.wino}}
			if got := p.Choose("k", tc.builtin, algs, f.timeOf); got != tc.want {
				t.Fatalf("Choose = %s, want %s", got, tc.want)
			}
			if f.calls != len(algs)*(1+reps) {
				t.Fatalf("timed %d runs, want a warm-up and %d runs for each of %d candidates", f.calls, reps, len(algs))
			}
			if got := p.Choose("k", tc.builtin, algs, f.timeOf); got != tc.want || f.calls != len(algs)*(1+reps) {
				t.Fatalf("second Choose = %s after %d timings: the choice must be kept, not timed again", got, f.calls)
			}
		})
	}
}

func TestStaticAndPinnedPlansNeverTime(t *testing.T) {
	never := func(string) time.Duration { t.Fatal("a static or pinned plan timed a candidate"); return 0 }
	if got := NewStatic().Choose("k", "direct", algs, never); got != "direct" {
		t.Fatalf("static plan chose %s, want the builtin direct", got)
	}
	p := NewPinned(map[string]string{"k": "winograd"})
	if got := p.Choose("k", "direct", algs, never); got != "winograd" {
		t.Fatalf("pinned plan chose %s, want its pinned winograd", got)
	}
	if got := p.Choose("other", "direct", algs, never); got != "direct" {
		t.Fatalf("pinned plan chose %s for a class it lacks, want the builtin", got)
	}
}

func TestCacheFileIsReusedAndMerged(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sub", "tune.json")
	a, err := NewMeasured(file)
	if err != nil {
		t.Fatal(err)
	}
	a.Choose("shared", "direct", algs, (&fakeTimes{ms: map[string]float64{"direct": 100, "winograd": 50}}).timeOf)

	// A second process, started before the first chose: it finds the
	// choice in the file at its own first Choose, without timing.
	b, err := NewMeasured(filepath.Join(filepath.Dir(file), "none-yet.json"))
	if err != nil {
		t.Fatal(err)
	}
	b.cache = file
	never := func(string) time.Duration { t.Fatal("timed a class the cache file holds"); return 0 }
	if got := b.Choose("shared", "direct", algs, never); got != "winograd" {
		t.Fatalf("second plan chose %s, want the cached winograd", got)
	}
	b.Choose("own", "direct", algs, (&fakeTimes{ms: map[string]float64{"direct": 10, "winograd": 50}}).timeOf)

	c, err := NewMeasured(file)
	if err != nil {
		t.Fatal(err)
	}
	got := c.Choices()
	if got["shared"] != "winograd" || got["own"] != "direct" || len(got) != 2 {
		t.Fatalf("cache holds %v, want both processes' choices", got)
	}
}

func TestStaleCachedChoiceIsTimedAgain(t *testing.T) {
	p := NewPinned(map[string]string{"k": "gone"})
	p.mode = Measured
	f := &fakeTimes{ms: map[string]float64{"direct": 10, "winograd": 50}}
	if got := p.Choose("k", "winograd", algs, f.timeOf); got != "direct" || f.calls == 0 {
		t.Fatalf("Choose = %s after %d timings, want a fresh measurement choosing direct", got, f.calls)
	}
}

func TestPlansPinFromARunRecord(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "run.json")
	rec := struct {
		Name string `json:"name"`
		Plan Record `json:"plan"`
	}{"x", NewPinned(map[string]string{"k": "winograd"}).Record()}
	body, _ := json.Marshal(rec)
	if err := os.WriteFile(run, body, 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"MMPOISON_PLAN": run}
	p, warn := FromEnv(func(k string) string { return env[k] }, "m")
	if warn != nil || p.Mode() != Pinned || p.Choices()["k"] != "winograd" {
		t.Fatalf("FromEnv = %v %v (warn %v), want the pinned run record", p.Mode(), p.Choices(), warn)
	}
}

func TestBadPlanFilesAreNamed(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "tune-m.json")
	if err := os.WriteFile(bad, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := NewMeasured(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("NewMeasured(corrupt) = %v, want an error naming %s", err, bad)
	}
	env := map[string]string{"MMPOISON_TUNE": "on", "MMPOISON_CACHE": dir}
	p, warn := FromEnv(func(k string) string { return env[k] }, "m")
	if warn == nil || !strings.Contains(warn.Error(), bad) || p.Mode() != Measured || p.CacheFile() != "" {
		t.Fatalf("FromEnv with a corrupt cache = %v, cache %q, warn %v; want an uncached measured plan and a warning naming the file", p.Mode(), p.CacheFile(), warn)
	}
	env = map[string]string{"MMPOISON_PLAN": filepath.Join(dir, "missing.json")}
	if p, warn := FromEnv(func(k string) string { return env[k] }, "m"); warn == nil || p.Mode() != Static {
		t.Fatalf("FromEnv with a missing pin = %v (warn %v), want static and a warning", p.Mode(), warn)
	}
}

func TestEnvironmentSelectsThePlan(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		env  map[string]string
		want Mode
		warn bool
	}{
		{map[string]string{}, Static, false}, // inside a test binary
		{map[string]string{"MMPOISON_TUNE": "off"}, Static, false},
		{map[string]string{"MMPOISON_TUNE": "on", "MMPOISON_CACHE": dir}, Measured, false},
		{map[string]string{"MMPOISON_TUNE": "fast"}, Static, true},
	} {
		p, warn := FromEnv(func(k string) string { return tc.env[k] }, "cpu")
		if p.Mode() != tc.want || (warn != nil) != tc.warn {
			t.Errorf("env %v: plan %v, warn %v; want %v, warning %v", tc.env, p.Mode(), warn, tc.want, tc.warn)
		}
		if p.Mode() == Measured && p.CacheFile() != filepath.Join(dir, "tune-cpu.json") {
			t.Errorf("env %v: cache %s, want it named by machine in MMPOISON_CACHE", tc.env, p.CacheFile())
		}
	}
}
