package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mmpoison/mmpoison/experiments"
)

// fakeResults makes the rows one attack-II job writes: Hit@K and MinRank
// of t2i queries whose ranks are `ranks`, plus a random-caption baseline.
func fakeResults(job string, ratio float64, ranks ...int) []experiments.Result {
	base := experiments.Result{Job: job, Attack: "II", Goal: "cat2dog", Direction: experiments.T2I, Modality: "both",
		Defense: "none", Ratio: ratio, Phi: ratio / 10, Epoch: 3, Seed: 42}
	ev := experiments.AttackEval{Direction: experiments.T2I, Attack: experiments.Summarize(ranks),
		Baseline: experiments.Summarize([]int{40, 60, 80})}
	return ev.Results(base)
}

func TestReportMergesShardsAndDropsDuplicates(t *testing.T) {
	root := t.TempDir()
	shard0, shard1, out := filepath.Join(root, "shard0"), filepath.Join(root, "run", "shard1"), filepath.Join(root, "merged")
	for _, d := range []string{shard0, shard1} {
		os.MkdirAll(d, 0o755)
	}
	jobA, jobB, jobC := fakeResults("a", 0.01, 30, 9, 50), fakeResults("b", 0.05, 3, 12, 0), fakeResults("c", 0.1, 0, 1, 0)
	// Shard 0 (CSV) has jobs a and b; shard 1 (JSON, found below "run") has b again and c.
	if err := experiments.WriteResultsCSV(filepath.Join(shard0, "results.csv"), append(jobA, jobB...)); err != nil {
		t.Fatal(err)
	}
	if err := experiments.WriteResultsJSON(filepath.Join(shard1, "results.json"), append(jobB, jobC...)); err != nil {
		t.Fatal(err)
	}
	var stdout, log bytes.Buffer
	if err := runReport([]string{shard0, filepath.Join(root, "run"), "--out", out}, &stdout, &log); err != nil {
		t.Fatal(err)
	}
	got, err := experiments.ReadResultsCSV(filepath.Join(out, "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want := append(append(append([]experiments.Result{}, jobA...), jobB...), jobC...)
	experiments.SortResults(want) // the order `run` writes, so merged shards give the same file
	if len(got) != len(want) {
		t.Fatalf("merged %d rows, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if fromJSON, err := experiments.ReadResultsJSON(filepath.Join(out, "results.json")); err != nil || len(fromJSON) != len(want) {
		t.Errorf("results.json: %d rows, err %v", len(fromJSON), err)
	}
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if stdout.String() != string(md) || !strings.Contains(stdout.String(), "cat2dog") {
		t.Errorf("stdout is not report.md (or lacks the goal):\n%s", stdout.String())
	}
	if want := fmt.Sprintf("%d rows from 2 files (%d duplicates dropped)", len(want), len(jobB)); !strings.Contains(log.String(), want) {
		t.Errorf("log %q", log.String())
	}
	plots, _ := filepath.Glob(filepath.Join(out, "plots", "*.png"))
	if len(plots) == 0 { // three ratios give a Hit@K-against-ratio curve
		t.Error("no plots written")
	}
}

func TestReportDefaultsToFirstFolder(t *testing.T) {
	dir := t.TempDir()
	if err := experiments.WriteResultsCSV(filepath.Join(dir, "results.csv"), fakeResults("a", 0.1, 4, 2)); err != nil {
		t.Fatal(err)
	}
	// Passing the folder twice must not double its rows.
	if code, stderr := exitOf("report", dir, dir); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, f := range []string{"results.json", "report.md", "plots"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s not written into the first folder: %v", f, err)
		}
	}
	if got, _ := experiments.ReadResultsCSV(filepath.Join(dir, "results.csv")); len(got) != len(fakeResults("a", 0.1, 4, 2)) {
		t.Errorf("%d rows after merging a folder with itself, want %d", len(got), len(fakeResults("a", 0.1, 4, 2)))
	}
}

func TestMergeResultsCountsConflicts(t *testing.T) {
	a := fakeResults("a", 0.1, 4, 2)
	changed := append([]experiments.Result{}, a...)
	changed[0].Value += 0.25
	nan := fakeResults("n", 0.1) // no queries: NaN statistics
	merged, dups, conflicts := mergeResults(append(append(append(a, changed...), nan...), nan...))
	n := len(a) + len(nan)
	if len(merged) != n || dups != n || conflicts != 1 {
		t.Errorf("merged %d, dups %d, conflicts %d; want %d, %d, 1 (NaN equals NaN)", len(merged), dups, conflicts, n, n)
	}
	if merged[0].Value != a[0].Value {
		t.Errorf("kept %v, want the first value %v", merged[0].Value, a[0].Value)
	}
	other := a[0]
	other.Seed = 7 // another seed is another measurement, not a duplicate
	if merged, _, _ := mergeResults([]experiments.Result{a[0], other}); len(merged) != 2 {
		t.Errorf("rows of different seeds merged: %v", merged)
	}
}

func TestReportExitCodes(t *testing.T) {
	empty := t.TempDir()
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "results.csv"), []byte("job,value\nx,1\n"), 0o644)
	file := filepath.Join(empty, "f.txt")
	os.WriteFile(file, nil, 0o644)
	checkExits(t, []exitCase{
		{[]string{"report", "--help"}, 0},
		{[]string{"report"}, 2},
		{[]string{"report", empty, "--out"}, 2},
		{[]string{"report", filepath.Join(empty, "absent")}, 2},
		{[]string{"report", file}, 1},
		{[]string{"report", empty}, 1}, // no results anywhere
		{[]string{"report", bad}, 1},   // malformed results.csv
	})
	if _, stderr := exitOf("report", bad); !strings.Contains(stderr, filepath.Join(bad, "results.csv")) {
		t.Errorf("error %q does not name the bad file", stderr)
	}
}

func TestReportReadsJobFilesOfUnmergedShards(t *testing.T) {
	run := t.TempDir()
	jobA, jobB := fakeResults("a", 0.01, 3), fakeResults("b", 0.1) // b has NaN values
	// A shard merged job a, then finished job b without merging (killed).
	if err := experiments.WriteResultsCSV(filepath.Join(run, "results.csv"), jobA); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(run, "jobs"), 0o755)
	for name, rs := range map[string][]experiments.Result{"a": jobA, "b": jobB} {
		raw, err := json.Marshal(withNullNaN(rs))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(run, "jobs", name+".json"), raw, 0o644)
	}
	os.WriteFile(filepath.Join(run, "jobs", "b.manifest.json"), []byte(`{"attack": "II"}`), 0o644)
	var stdout, log bytes.Buffer
	if err := runReport([]string{run}, &stdout, &log); err != nil {
		t.Fatal(err)
	}
	got, err := experiments.ReadResultsCSV(filepath.Join(run, "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want := append(append([]experiments.Result{}, jobA...), jobB...)
	experiments.SortResults(want)
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	for i := range want {
		if g, w := got[i], want[i]; g.Job != w.Job || g.Metric != w.Metric || !sameValue(g.Value, w.Value) {
			t.Errorf("row %d: %+v, want %+v", i, g, w)
		}
	}
	if strings.Contains(log.String(), "repeat a job") {
		t.Errorf("job files and results.csv agree, but: %s", log.String())
	}
}

// withNullNaN turns results into JSON-ready maps with NaN values as null.
func withNullNaN(rs []experiments.Result) []map[string]any {
	var out []map[string]any
	for _, r := range rs {
		raw, _ := json.Marshal(struct {
			experiments.Result
			Value *float64 `json:"value"`
		}{Result: r})
		var m map[string]any
		json.Unmarshal(raw, &m)
		if !math.IsNaN(r.Value) {
			m["value"] = r.Value
		}
		out = append(out, m)
	}
	return out
}
