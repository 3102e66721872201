package clipmodel

import (
	"errors"
	"strings"
	"testing"
)

// A run of one epoch on a three-epoch schedule is the first epoch of the
// three-epoch run, bit for bit, and not the one-epoch run, whose rate
// falls to the floor within it.
func TestTruncatedScheduleIsTheLongRunStopped(t *testing.T) {
	f := newResumeFixture(t, "basic_resnet")
	train := func(opt TrainOptions) map[string][]float64 {
		m, err := New(f.cfg, 7)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Train(m, f.ex, f.im, opt); err != nil && !errors.Is(err, ErrStopped) {
			t.Fatal(err)
		}
		return snapshot(m)
	}
	long := emaFixtureOptions(0)
	long.Epochs, long.StopAfter = 3, 6
	truncated := emaFixtureOptions(0)
	truncated.ScheduleEpochs = 3
	short := emaFixtureOptions(0)

	want, got, other := train(long), train(truncated), train(short)
	differs := false
	for name, w := range want {
		for i := range w {
			if got[name][i] != w[i] {
				t.Fatalf("%s[%d]: truncated run %v, stopped long run %v", name, i, got[name][i], w[i])
			}
			differs = differs || other[name][i] != w[i]
		}
	}
	if !differs {
		t.Fatal("the one-epoch schedule gave the same weights as the three-epoch one: the schedule length is not used")
	}
}

func TestScheduleShorterThanTheRunIsRefused(t *testing.T) {
	o := emaFixtureOptions(0)
	o.Epochs, o.ScheduleEpochs = 4, 3
	err := o.Validate()
	if err == nil || !strings.Contains(err.Error(), "schedule epochs") {
		t.Fatalf("Validate() = %v, want an error naming schedule epochs", err)
	}
}
