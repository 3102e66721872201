package experiments

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func sampleResults() []Result {
	return []Result{
		{Job: "j1", Attack: "II", Goal: "boat2dog", Direction: T2I, Modality: ModalityBoth, Defense: DefenseNone, Ratio: 1, Phi: 0.0024, Epoch: 10, Seed: 42, Metric: "hit@1", Value: 0.28},
		{Job: "j,2", Attack: "III", Goal: "goal2:zebra2train", Direction: I2T, Modality: ModalityImage, Defense: DefenseFilter, Ratio: 0.1, Phi: 1.0 / 3, Epoch: 1, Seed: 18446744073709551615, Metric: "minrank_mean", Value: math.NaN()},
	}
}

func sameResults(a, b []Result) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if math.IsNaN(x.Value) && math.IsNaN(y.Value) {
			x.Value, y.Value = 0, 0
		}
		if !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}

func TestResultsCSVRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.csv")
	want := sampleResults()
	if err := WriteResultsCSV(path, want); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if first := strings.SplitN(string(data), "\n", 2)[0]; first != "job,attack,goal,direction,modality,defense,ratio,phi,epoch,seed,metric,value" {
		t.Errorf("header %q", first)
	}
	got, err := ReadResultsCSV(path)
	if err != nil {
		t.Fatal(err)
	}
	if !sameResults(got, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestReadResultsCSVErrors(t *testing.T) {
	dir := t.TempDir()
	header := strings.Join(CSVHeader, ",") + "\n"
	good := "j,II,a2b,t2i,both,none,1,0.1,3,42,hit@1,0.5\n"
	cases := map[string]struct{ body, want string }{
		"bad header": {"job,attack\n", "line 1"},
		"bad ratio":  {header + good + "j,II,a2b,t2i,both,none,x,0.1,3,42,hit@1,0.5\n", "line 3: column ratio"},
		"bad attack": {header + "j,IV,a2b,t2i,both,none,1,0.1,3,42,hit@1,0.5\n", "line 2: column attack"},
		"bad dir":    {header + "j,II,a2b,up,both,none,1,0.1,3,42,hit@1,0.5\n", "line 2: column direction"},
		"short row":  {header + "j,II\n", "line 2"},
		"bad seed":   {header + "j,II,a2b,t2i,both,none,1,0.1,3,-1,hit@1,0.5\n", "column seed"},
	}
	for name, c := range cases {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".csv")
		os.WriteFile(path, []byte(c.body), 0o644)
		_, err := ReadResultsCSV(path)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %v, want one naming %s and %q", name, err, path, c.want)
		}
	}
}

func TestResultsJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.json")
	want := sampleResults()
	if err := WriteResultsJSON(path, want); err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Definitions map[string]string `json:"definitions"`
	}
	data, _ := os.ReadFile(path)
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"hit@1", "hit@50", "minrank_mean", "baseline_hit@30", "ir_r@10", "tr_r@5"} {
		if raw.Definitions[m] == "" {
			t.Errorf("no definition for %s", m)
		}
	}
	got, err := ReadResultsJSON(path)
	if err != nil || !sameResults(got, want) {
		t.Errorf("JSON round trip: %v\n got %+v", err, got)
	}
}

func TestWriteJSONAtomic(t *testing.T) {
	path := filepath.Join(t.TempDir(), "manifest.json")
	m := &Manifest{Attack: "I", Goals: []string{"sheep2aeroplane"}, Phi: 0.5}
	if err := WriteJSONAtomic(path, m); err != nil {
		t.Fatal(err)
	}
	var back Manifest
	data, _ := os.ReadFile(path)
	if err := json.Unmarshal(data, &back); err != nil || back.Attack != "I" || back.Phi != 0.5 {
		t.Errorf("read back %+v, %v", back, err)
	}
	if err := WriteJSONAtomic(filepath.Join(path, "nope", "x.json"), m); err == nil {
		t.Error("write into a missing folder succeeded")
	}
}
