package experiments

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// SortResults puts results in the order every results.csv is written in
// (job, epoch, goal, direction, metric), so that the same results make the
// same file however they were gathered: one process, or shards merged.
func SortResults(res []Result) { sortedResults(res) }

// sortedResults orders results for stable files.
func sortedResults(res []Result) {
	sort.SliceStable(res, func(i, j int) bool {
		a, b := res[i], res[j]
		if a.Job != b.Job {
			return a.Job < b.Job
		}
		if a.Epoch != b.Epoch {
			return a.Epoch < b.Epoch
		}
		if a.Goal != b.Goal {
			return a.Goal < b.Goal
		}
		if a.Direction != b.Direction {
			return a.Direction < b.Direction
		}
		return a.Metric < b.Metric
	})
}

// MergeJobs gathers the job results under each folder's jobs/ and writes
// results.csv, results.json, report.md and plots/ into out. It returns the
// merged results.
func MergeJobs(out string, dirs ...string) ([]Result, error) {
	seen := map[string]bool{}
	var all []Result
	for _, d := range dirs {
		files, err := filepath.Glob(filepath.Join(d, "jobs", "*.json"))
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if strings.HasSuffix(f, ".manifest.json") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			var res []Result
			if err := json.Unmarshal(b, &res); err != nil {
				return nil, fmt.Errorf("job result %s: %w", f, JSONErrorWithLine(b, err))
			}
			for _, x := range res {
				key := fmt.Sprintf("%s|%s|%s|%d|%s", x.Job, x.Goal, x.Direction, x.Epoch, x.Metric)
				if !seen[key] {
					seen[key] = true
					all = append(all, x)
				}
			}
		}
	}
	sortedResults(all)
	if err := WriteOutputs(out, all); err != nil {
		return nil, err
	}
	return all, nil
}

// WriteOutputs writes results.csv, results.json, report.md and plots/ into dir.
func WriteOutputs(dir string, res []Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := WriteResultsCSV(filepath.Join(dir, "results.csv"), res); err != nil {
		return err
	}
	if err := WriteResultsJSON(filepath.Join(dir, "results.json"), res); err != nil {
		return err
	}
	if err := WriteReport(filepath.Join(dir, "report.md"), res); err != nil {
		return err
	}
	plots := filepath.Join(dir, "plots")
	if err := os.MkdirAll(plots, 0o755); err != nil {
		return err
	}
	_, err := WritePlots(plots, res)
	return err
}

// JSONErrorWithLine adds the line number to a JSON syntax or type error.
func JSONErrorWithLine(b []byte, err error) error {
	var off int64 = -1
	switch e := err.(type) {
	case *json.SyntaxError:
		off = e.Offset
	case *json.UnmarshalTypeError:
		off = e.Offset
	}
	if off < 0 || off > int64(len(b)) {
		return err
	}
	return fmt.Errorf("line %d: %w", 1+strings.Count(string(b[:off]), "\n"), err)
}
