package runner

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A run SIGKILLed at any point and started again gives the same results,
// byte for byte, as a run left alone: killed while the clean model trains,
// between jobs, and while a poisoned model trains.
func TestKilledRunResumesToTheSameResults(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a grid twice in helper processes; skipped in -short")
	}
	dir := t.TempDir()
	model := filepath.Join(dir, "model.json")
	if err := os.WriteFile(model, []byte(smallModel), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "grid.json")
	grid := fmt.Sprintf(`{"name": "killed", "data": "shapes:classes=10,n=100,test=5", "model": %q, "tokenizer": "learn:100",
		"clean": {"epochs": 2, "batch_size": 32}, "poison": {"epochs": 2, "batch_size": 32}, "eval_every_epoch": true,
		"attacks": [{"kind": "II", "goals": ["circle2square"]}], "ratios": [0.5, 1], "defenses": ["none", "finetune"]}`, model)
	if err := os.WriteFile(cfg, []byte(grid), 0o644); err != nil {
		t.Fatal(err)
	}
	start := func(out string) (*exec.Cmd, *bytes.Buffer) {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), runHelperEnv+"="+cfg+"|"+out)
		var log bytes.Buffer
		cmd.Stdout, cmd.Stderr = &log, &log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &log
	}
	whole := filepath.Join(dir, "whole")
	if cmd, log := start(whole); cmd.Wait() != nil {
		t.Fatalf("uninterrupted run failed:\n%s", log)
	}

	killed := filepath.Join(dir, "killed")
	lines := func(path string) int {
		b, _ := os.ReadFile(path)
		return bytes.Count(b, []byte("\n"))
	}
	results := func() int { // clean.json and finished jobs, not manifests
		m, _ := filepath.Glob(filepath.Join(killed, "jobs", "*.json"))
		n := 0
		for _, p := range m {
			if !strings.HasSuffix(p, ".manifest.json") {
				n++
			}
		}
		return n
	}
	poisonTraining := func() bool { // some job has trained 3 steps and not finished
		m, _ := filepath.Glob(filepath.Join(killed, "jobs", "*", "poison", "metrics.jsonl"))
		for _, p := range m {
			job := filepath.Dir(filepath.Dir(p))
			if _, err := os.Stat(job + ".json"); os.IsNotExist(err) && lines(p) >= 3 {
				return true
			}
		}
		return false
	}
	points := []struct {
		name string
		now  func() bool
	}{
		{"while the clean model trains", func() bool { return lines(filepath.Join(killed, "clean", "metrics.jsonl")) >= 5 }},
		{"between jobs", func() bool { return results() >= 2 }},
		{"while a poisoned model trains", poisonTraining},
	}
	for _, p := range points {
		cmd, log := start(killed)
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		deadline := time.After(2 * time.Minute)
	wait:
		for !p.now() {
			select {
			case err := <-exited:
				t.Fatalf("run ended (%v) before it could be killed %s\n%s", err, p.name, log)
			case <-deadline:
				cmd.Process.Kill()
				t.Fatalf("no point to kill %s within 2 minutes\n%s", p.name, log)
			case <-time.After(2 * time.Millisecond):
				continue wait
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		<-exited
	}
	if cmd, log := start(killed); cmd.Wait() != nil {
		t.Fatalf("the run after three kills failed:\n%s", log)
	}
	for _, f := range []string{"results.csv", "jobs/clean.json"} {
		a, errA := os.ReadFile(filepath.Join(whole, f))
		b, errB := os.ReadFile(filepath.Join(killed, f))
		if errA != nil || errB != nil {
			t.Fatalf("%s: %v / %v", f, errA, errB)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs after three kills (%d vs %d bytes)", f, len(a), len(b))
		}
	}
}
