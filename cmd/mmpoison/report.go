package main

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/mmpoison/mmpoison/experiments"
)

func init() {
	register(&command{name: "report", summary: "merge the results of run folders (or shards) into tables, report.md and plots",
		run: func(args []string) error { return runReport(args, os.Stdout, os.Stderr) }})
}

func runReport(args []string, w, log io.Writer) error {
	fs := newFlags("report", "report DIR... [--out DIR] [--susceptibility ATTACK:GOAL]")
	out := fs.String("out", "", "folder for the merged results.csv, results.json, report.md and plots/ (default: the first DIR)")
	ladder := fs.String("susceptibility", "", "instead of merging, treat each DIR as one clean model and compare what attack ATTACK did to GOAL on each (e.g. II:boat2skateboard): susceptibility.md and .png/.svg in --out")
	dirs, err := parsePositional(fs, args)
	if err != nil {
		return err
	}
	if len(dirs) == 0 {
		return usagef("missing run folder: want one or more run folders holding results.csv, results.json or jobs/*.json")
	}
	if *out == "" {
		*out = dirs[0]
	}
	var all []experiments.Result
	perDir := make([][]experiments.Result, len(dirs))
	files := 0
	for i, dir := range dirs {
		paths, err := resultFiles(dir)
		if err != nil {
			return err
		}
		for _, p := range paths {
			rs, err := readResults(p)
			if err != nil {
				return err
			}
			all = append(all, rs...)
			perDir[i] = append(perDir[i], rs...)
			files++
		}
	}
	if *ladder != "" {
		return writeSusceptibility(w, *out, *ladder, dirs, perDir)
	}
	merged, dups, conflicts := mergeResults(all)
	if len(merged) == 0 {
		return fmt.Errorf("no results in %d result files under %v", files, dirs)
	}
	if conflicts > 0 {
		fmt.Fprintf(log, "mmpoison report: warning: %d rows repeat a job and metric with a different value; kept the first seen\n", conflicts)
	}
	experiments.SortResults(merged) // as `run` writes them: shards merge into the same file
	if err := writeReportFolder(*out, merged); err != nil {
		return err
	}
	if err := writePlots(*out, merged); err != nil {
		fmt.Fprintf(log, "mmpoison report: warning: %v; results and report.md are written\n", err)
	}
	report, err := os.ReadFile(filepath.Join(*out, "report.md"))
	if err != nil {
		return err
	}
	if _, err := w.Write(report); err != nil {
		return err
	}
	fmt.Fprintf(log, "mmpoison report: %d rows from %d files (%d duplicates dropped) written to %s\n", len(merged), files, dups, *out)
	return nil
}

// resultFiles finds the results of a run folder and every folder below it
// (shards): per folder its results.csv (or results.json when there is no
// CSV), then the per-job files jobs/*.json that `mmpoison run` writes. Job
// files and subfolders are read even when a folder has merged results, so
// jobs finished after an earlier merge (or by a killed shard) are not
// missed; mergeResults drops the overlap.
func resultFiles(dir string) ([]string, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("run folder: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("run folder %s is a file; pass the folder holding results.csv", dir)
	}
	var found []string
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if p := resultFileIn(path); p != "" {
			found = append(found, p)
		}
		jobs, err := filepath.Glob(filepath.Join(path, "jobs", "*.json"))
		for _, j := range jobs {
			if !strings.HasSuffix(j, ".manifest.json") {
				found = append(found, j)
			}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("run folder %s: %w", dir, err)
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("run folder %s: no results.csv, results.json or jobs/*.json in it or below it", dir)
	}
	return found, nil
}

// resultFileIn returns dir's results.csv, else its results.json, else "".
func resultFileIn(dir string) string {
	for _, name := range []string{"results.csv", "results.json"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return ""
}

func readResults(path string) ([]experiments.Result, error) {
	switch {
	case filepath.Base(filepath.Dir(path)) == "jobs":
		return readJobResults(path)
	case filepath.Ext(path) == ".json":
		return experiments.ReadResultsJSON(path)
	}
	return experiments.ReadResultsCSV(path)
}

// readJobResults reads one job's result file: a JSON array of results,
// where a null value (NaN) comes back as NaN rather than 0.
func readJobResults(path string) ([]experiments.Result, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		experiments.Result
		Value *float64 `json:"value"`
	}
	if err := json.Unmarshal(raw, &rows); err != nil {
		return nil, fmt.Errorf("job result %s: want a JSON array of results: %w", path, err)
	}
	out := make([]experiments.Result, len(rows))
	for i, r := range rows {
		out[i] = r.Result
		out[i].Value = math.NaN()
		if r.Value != nil {
			out[i].Value = *r.Value
		}
	}
	return out, nil
}

// mergeResults drops repeated rows (same job, configuration and metric),
// as when shard folders overlap or a folder is passed twice, keeping the
// first. conflicts counts repeats whose value differs.
func mergeResults(rs []experiments.Result) (merged []experiments.Result, dups, conflicts int) {
	type key struct {
		Job, Attack, Goal, Direction, Modality, Defense string
		Ratio, Phi                                      float64
		Epoch                                           int
		Seed                                            uint64
		Metric                                          string
	}
	seen := map[key]float64{}
	for _, r := range rs {
		k := key{r.Job, r.Attack, r.Goal, r.Direction, r.Modality, r.Defense, r.Ratio, r.Phi, r.Epoch, r.Seed, r.Metric}
		if v, ok := seen[k]; ok {
			dups++
			if !sameValue(v, r.Value) {
				conflicts++
			}
			continue
		}
		seen[k] = r.Value
		merged = append(merged, r)
	}
	return merged, dups, conflicts
}

func sameValue(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

// writeReportFolder writes the merged results and report.md into dir, and
// creates dir/plots.
func writeReportFolder(dir string, rs []experiments.Result) error {
	plots := filepath.Join(dir, "plots")
	if err := os.MkdirAll(plots, 0o755); err != nil {
		return fmt.Errorf("report folder: %w", err)
	}
	if err := experiments.WriteResultsCSV(filepath.Join(dir, "results.csv"), rs); err != nil {
		return err
	}
	if err := experiments.WriteResultsJSON(filepath.Join(dir, "results.json"), rs); err != nil {
		return err
	}
	if err := experiments.WriteReport(filepath.Join(dir, "report.md"), rs); err != nil {
		return err
	}
	return nil
}

// writePlots draws the plots; a failure only costs the pictures, so the
// caller warns instead of failing after the tables are written.
func writePlots(dir string, rs []experiments.Result) error {
	plots := filepath.Join(dir, "plots")
	if _, err := experiments.WritePlots(plots, rs); err != nil {
		return fmt.Errorf("plots in %s: %w", plots, err)
	}
	return nil
}

// writeSusceptibility writes the table and plot of one attack across runs
// that each hold a different clean model.
func writeSusceptibility(w io.Writer, out, spec string, dirs []string, perDir [][]experiments.Result) error {
	attack, goal, ok := strings.Cut(spec, ":")
	if !ok || attack == "" || goal == "" {
		return usagef("--susceptibility wants ATTACK:GOAL, e.g. II:boat2skateboard; got %q", spec)
	}
	for i := range perDir {
		perDir[i], _, _ = mergeResults(perDir[i])
	}
	pts, err := experiments.Susceptibility(dirs, perDir, attack, goal)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	table := experiments.SusceptibilityTable(pts)
	if err := experiments.WriteFileAtomic(filepath.Join(out, "susceptibility.md"), []byte(table)); err != nil {
		return err
	}
	title := fmt.Sprintf("Attack %s on %s against clean-model quality", attack, goal)
	if _, err := experiments.PlotSusceptibility(pts, title, filepath.Join(out, "susceptibility")); err != nil {
		return err
	}
	_, err = io.WriteString(w, table)
	return err
}
