package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func TestMinimalCLIPLearns(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"-quick", "-steps", "200"}, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	var losses []float64
	var recall, chance float64
	var images int
	for _, line := range strings.Split(out.String(), "\n") {
		var step int
		var loss float64
		if n, _ := fmt.Sscanf(line, "step %d loss %f", &step, &loss); n == 2 {
			losses = append(losses, loss)
		}
		fmt.Sscanf(line, "text→image Recall@10 on %d test images: %f (chance %f)", &images, &recall, &chance)
	}
	if len(losses) < 3 {
		t.Fatalf("printed %d losses, want one per tenth of the run:\n%s", len(losses), out.String())
	}
	// InfoNCE starts near ln(batch) = ln 32 ≈ 3.5; 200 steps must cut it clearly.
	first, last := losses[0], losses[len(losses)-1]
	if last > 0.8*first {
		t.Errorf("loss went from %.3f to %.3f, want it below %.3f:\n%s", first, last, 0.8*first, out.String())
	}
	if images != 50 || chance != 0.2 {
		t.Fatalf("want Recall@10 over 50 test images with chance 0.2, got line for %d images, chance %v:\n%s", images, chance, out.String())
	}
	if recall < 2*chance {
		t.Errorf("Recall@10 = %.3f, want at least twice chance (%.2f)", recall, 2*chance)
	}
}

func TestMinimalCLIPBadFlag(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"-steps", "many"}, &out); err == nil {
		t.Error("a non-numeric -steps was accepted")
	}
}
