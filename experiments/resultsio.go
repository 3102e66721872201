package experiments

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
)

// CSVHeader is the exact column list of results.csv.
var CSVHeader = []string{"job", "attack", "goal", "direction", "modality", "defense", "ratio", "phi", "epoch", "seed", "metric", "value"}

// WriteResultsCSV writes results in long format to path atomically.
func WriteResultsCSV(path string, results []Result) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(CSVHeader)
	for _, r := range results {
		w.Write([]string{r.Job, r.Attack, r.Goal, r.Direction, r.Modality, r.Defense,
			formatFloat(r.Ratio), formatFloat(r.Phi), strconv.Itoa(r.Epoch),
			strconv.FormatUint(r.Seed, 10), r.Metric, formatFloat(r.Value)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	return WriteFileAtomic(path, buf.Bytes())
}

// formatFloat writes the shortest text that parses back to the same value.
func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// ReadResultsCSV reads a results.csv written by WriteResultsCSV (for merging
// runs); errors name the file and line.
func ReadResultsCSV(path string) ([]Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	defer f.Close()
	return parseResultsCSV(path, f)
}

func parseResultsCSV(path string, in io.Reader) ([]Result, error) {
	r := csv.NewReader(in)
	r.FieldsPerRecord = len(CSVHeader)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s line 1: reading header: %w", path, err)
	}
	if !slices.Equal(header, CSVHeader) {
		return nil, fmt.Errorf("%s line 1: header %v, want %v", path, header, CSVHeader)
	}
	var out []Result
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err) // csv.ParseError names the line
		}
		line, _ := r.FieldPos(0)
		res, err := parseResult(rec)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, line, err)
		}
		out = append(out, res)
	}
}

func parseResult(rec []string) (Result, error) {
	res := Result{Job: rec[0], Attack: rec[1], Goal: rec[2], Direction: rec[3], Modality: rec[4], Defense: rec[5], Metric: rec[10]}
	var err error
	floats := []struct {
		name string
		text string
		dst  *float64
	}{{"ratio", rec[6], &res.Ratio}, {"phi", rec[7], &res.Phi}, {"value", rec[11], &res.Value}}
	for _, f := range floats {
		if *f.dst, err = strconv.ParseFloat(f.text, 64); err != nil {
			return res, fmt.Errorf("column %s: %q is not a number", f.name, f.text)
		}
	}
	if res.Epoch, err = strconv.Atoi(rec[8]); err != nil {
		return res, fmt.Errorf("column epoch: %q is not an integer", rec[8])
	}
	if res.Seed, err = strconv.ParseUint(rec[9], 10, 64); err != nil {
		return res, fmt.Errorf("column seed: %q is not an unsigned integer", rec[9])
	}
	return res, res.validate()
}

func (r Result) validate() error {
	checks := []struct {
		name, value string
		allowed     []string
	}{
		{"attack", r.Attack, append([]string{AttackNone}, AttackKinds()...)},
		{"direction", r.Direction, []string{T2I, I2T}},
		{"modality", r.Modality, []string{ModalityBoth, ModalityImage, ModalityText}},
	}
	if _, err := ResolveDefense(r.Defense, FilterModes[0]); err != nil {
		return fmt.Errorf("column defense: %w", err)
	}
	for _, c := range checks {
		if !slices.Contains(c.allowed, c.value) {
			return fmt.Errorf("column %s: %q, want one of %v", c.name, c.value, c.allowed)
		}
	}
	if r.Metric == "" {
		return fmt.Errorf("column metric: empty")
	}
	return nil
}

// WriteResultsJSON writes results plus every metric's definition to path
// atomically. NaN values are written as null (JSON has no NaN).
func WriteResultsJSON(path string, results []Result) error {
	type jsonResult struct {
		Result
		Value *float64 `json:"value"`
	}
	rows := make([]jsonResult, len(results))
	for i, r := range results {
		rows[i].Result = r
		if v := r.Value; !math.IsNaN(v) {
			rows[i].Value = &v
		}
	}
	return WriteJSONAtomic(path, struct {
		Definitions map[string]string `json:"definitions"`
		Results     []jsonResult      `json:"results"`
	}{MetricDefinitions(), rows})
}

// ReadResultsJSON reads results.json; null values come back as NaN.
func ReadResultsJSON(path string) ([]Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	var raw struct {
		Results []struct {
			Result
			Value *float64 `json:"value"`
		} `json:"results"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := make([]Result, len(raw.Results))
	for i, r := range raw.Results {
		out[i] = r.Result
		out[i].Value = math.NaN()
		if r.Value != nil {
			out[i].Value = *r.Value
		}
		if err := out[i].validate(); err != nil {
			return nil, fmt.Errorf("%s result %d: %w", path, i, err)
		}
	}
	return out, nil
}
