package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func TestPoisonOneGoalRuns(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"-quick", "-epochs", "1"}, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	text := out.String()
	// 300 training images over 10 classes: 30 circles, each with 5 captions,
	// all poisoned at ratio 1; 1500 pairs in all.
	if want := "poisoned 30 circle images (150 pairs, phi = 10.00% of all training pairs)"; !strings.Contains(text, want) {
		t.Errorf("output lacks %q:\n%s", want, text)
	}
	for _, when := range []string{"before", "after"} {
		var hit, mean, baseHit, baseMean float64
		found := false
		for _, line := range strings.Split(text, "\n") {
			if !strings.HasPrefix(line, when+" ") {
				continue
			}
			format := when + " circle2star: Hit@10 %f  MinRank %f   (random captions: Hit@10 %f  MinRank %f)"
			if n, err := fmt.Sscanf(line, format, &hit, &mean, &baseHit, &baseMean); n != 4 {
				t.Fatalf("cannot read %q: %v", line, err)
			}
			found = true
		}
		if !found {
			t.Fatalf("no %q line in the output:\n%s", when, text)
		}
		// 10 star images in a 100-image gallery: min ranks lie in 1..91.
		if hit < 0 || hit > 1 || baseHit < 0 || baseHit > 1 || mean < 1 || mean > 91 || baseMean < 1 || baseMean > 91 {
			t.Errorf("%s: Hit@10 %v / %v, MinRank %v / %v out of range", when, hit, baseHit, mean, baseMean)
		}
	}
}

func TestPoisonOneGoalBadGoal(t *testing.T) {
	var out bytes.Buffer
	err := run([]string{"-quick", "-goal", "circle2unicorn"}, &out)
	if err == nil || !strings.Contains(err.Error(), "unicorn") {
		t.Errorf("goal with an unknown class gave %v, want an error naming it", err)
	}
}
