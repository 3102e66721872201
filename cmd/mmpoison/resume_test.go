package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/mmpoison/mmpoison/clipmodel"
)

// killTestModel is small enough that 3 epochs of 300 shapes take seconds on
// one thread, yet slow enough per step that the test can kill it mid-run.
const killTestModel = `{
  "name": "killtest",
  "embed_dim": 32,
  "vision_cfg": {"type": "vit", "image_size": 32, "patch_size": 8, "width": 32, "layers": [1], "heads": 2, "mlp_ratio": 2},
  "text_cfg": {"context_length": 16, "vocab_size": 0, "width": 32, "heads": 2, "layers": 1, "mlp_ratio": 2}
}`

// buildBinary compiles this command into a temporary folder.
func buildBinary(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "mmpoison")
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// countSteps counts the complete records in a metrics.jsonl (0 if absent).
func countSteps(path string) int {
	b, _ := os.ReadFile(path)
	return bytes.Count(b, []byte("\n"))
}

func TestKillAndResumeIsBitIdentical(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and trains three times; skipped in -short")
	}
	bin := buildBinary(t)
	work := t.TempDir()
	modelPath := filepath.Join(work, "killtest.json")
	if err := os.WriteFile(modelPath, []byte(killTestModel), 0o644); err != nil {
		t.Fatal(err)
	}
	train := func(out string, extra ...string) *exec.Cmd {
		args := append([]string{"train", "--data", "shapes:n=300,test=2", "--model", modelPath, "--epochs", "3",
			"--batch", "32", "--checkpoint-every", "5", "--threads", "1", "--cache-dir", filepath.Join(work, "cache"),
			"--out", out}, extra...)
		return exec.Command(bin, args...)
	}
	// 300 images × 5 captions = 1500 pairs: 46 steps per epoch, 138 in all.
	const total = 138

	whole := filepath.Join(work, "whole")
	if out, err := train(whole).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}

	killed := filepath.Join(work, "killed")
	metrics := filepath.Join(killed, clipmodel.MetricsFile)
	var stderr bytes.Buffer
	run := train(killed)
	run.Stderr = &stderr
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- run.Wait() }()
	deadline := time.After(60 * time.Second)
	for countSteps(metrics) < 12 {
		select {
		case err := <-done:
			t.Fatalf("run ended (%v) after %d steps, before it could be killed\n%s", err, countSteps(metrics), stderr.String())
		case <-deadline:
			run.Process.Kill()
			t.Fatalf("run took over 60 s to reach 12 steps\n%s", stderr.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	if err := run.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-done
	killedAt := countSteps(metrics)
	if killedAt >= total {
		t.Fatalf("run finished all %d steps before the kill landed; the test needs a slower model", total)
	}
	t.Logf("killed after %d steps", killedAt)

	if out, err := train(killed, "--resume").CombinedOutput(); err != nil {
		t.Fatalf("resumed run: %v\n%s", err, out)
	}

	stA, modelA, _, err := clipmodel.ReadCheckpoint(filepath.Join(whole, clipmodel.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	stB, modelB, _, err := clipmodel.ReadCheckpoint(filepath.Join(killed, clipmodel.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	if stA.Step != total || stB.Step != total {
		t.Fatalf("final checkpoints at steps %d (uninterrupted) and %d (resumed), want %d", stA.Step, stB.Step, total)
	}
	names := make([]string, 0, len(modelA))
	for n := range modelA {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(modelA) != len(modelB) {
		t.Errorf("checkpoints hold %d and %d model tensors", len(modelA), len(modelB))
	}
	for _, n := range names {
		a, b := modelA[n], modelB[n]
		if b == nil || len(a.Data) != len(b.Data) {
			t.Errorf("tensor %s missing or reshaped after resume", n)
			continue
		}
		for i := range a.Data {
			if math.Float32bits(a.Data[i]) != math.Float32bits(b.Data[i]) {
				t.Errorf("tensor %s[%d] = %v uninterrupted, %v after kill and resume", n, i, a.Data[i], b.Data[i])
				break
			}
		}
	}

	// The resumed run's metrics hold each step exactly once, in order.
	b, err := os.ReadFile(metrics)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	if len(lines) != total {
		t.Errorf("metrics.jsonl has %d records after resume, want %d", len(lines), total)
	}
	for i, line := range lines {
		var r clipmodel.StepRecord
		if err := json.Unmarshal(line, &r); err != nil || r.Step != i+1 {
			t.Fatalf("metrics.jsonl record %d is %q, want step %d", i, line, i+1)
		}
	}
}
