package experiments

import (
	"math"
	"strings"
	"testing"
)

// handEmbedder returns fixed, deliberately unnormalised prompt embeddings so
// the test sees whether prompts are normalised before averaging.
func handEmbedder(t *testing.T) TextEmbedder {
	table := map[string][]float32{
		"a cat": {2, 0, 0}, "the cat": {0, 1, 0}, // prototype (1/√2, 1/√2, 0)
		"a dog": {0, 0, 3}, "the dog": {0, 0, 1}, // prototype (0, 0, 1)
		"a car": {1, -1, 0}, "the car": {3, -3, 0}, // prototype (1/√2, -1/√2, 0)
	}
	return func(prompts []string) []float32 {
		var out []float32
		for _, p := range prompts {
			v, ok := table[p]
			if !ok {
				t.Fatalf("unexpected prompt %q", p)
			}
			out = append(out, v...)
		}
		return out
	}
}

func TestZeroShotAccuracyByHand(t *testing.T) {
	classes := []string{"cat", "dog", "car"}
	templates := []string{"a {}", "the {}"}
	images, _ := NewMatrix(5, 3, []float32{
		1, 0, 0, // cat: ties cat and car (0.707 each), counted wrong
		0.6, 0.8, 0, // cat: cat 0.99, right
		0, 0.6, 0.8, // dog: dog 0.8 beats cat 0.42, right
		0.8, -0.6, 0, // dog: car 0.99 wins, wrong
		0, 0, 1, // unlabelled: skipped
	})
	labels := []string{"cat", "cat", "dog", "dog", ""}
	acc, err := ZeroShotAccuracy(handEmbedder(t), images, labels, classes, templates)
	if err != nil {
		t.Fatal(err)
	}
	// Averaging raw prompt vectors would give cat (0.89, 0.45, 0) and 3/4.
	if acc != 0.5 {
		t.Fatalf("accuracy %v, want 2/4 = 0.5", acc)
	}
}

func TestClassPrototypesByHand(t *testing.T) {
	prompts, _ := NewMatrix(4, 2, []float32{
		3, 0, 0, 4, // class 0: (1,0) and (0,1) → (1/√2, 1/√2)
		0, 0, -2, 0, // class 1: a zero prompt is ignored → (-1, 0)
	})
	p, err := ClassPrototypes(prompts, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{1 / math.Sqrt2, 1 / math.Sqrt2, -1, 0}
	for i, w := range want {
		if math.Abs(float64(p.Data[i])-w) > 1e-6 {
			t.Fatalf("prototypes %v, want %v", p.Data, want)
		}
	}
	if _, err := ClassPrototypes(prompts, 3); err == nil {
		t.Fatal("4 prompts split into classes of 3 templates accepted")
	}
}

func TestZeroShotPromptsOrderAndErrors(t *testing.T) {
	got, err := ZeroShotPrompts([]string{"bag", "coat"}, []string{"a {}", "{} here"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "|") != "a bag|bag here|a coat|coat here" {
		t.Fatalf("prompts %q are not class-major", got)
	}
	if _, err := ZeroShotPrompts([]string{"bag"}, []string{"no placeholder"}); err == nil || !strings.Contains(err.Error(), "{}") {
		t.Fatalf("template without {} gave %v", err)
	}
}

func TestZeroShotScoreRejectsBadInput(t *testing.T) {
	img, _ := NewMatrix(1, 2, []float32{1, 0})
	protos, _ := NewMatrix(2, 2, []float32{1, 0, 0, 1})
	if _, _, err := ZeroShotScore(img, []string{"bird"}, []string{"cat", "dog"}, protos); err == nil {
		t.Fatal("label outside the classes accepted")
	}
	if _, _, err := ZeroShotScore(img, []string{""}, []string{"cat", "dog"}, protos); err == nil {
		t.Fatal("no labelled images gave no error")
	}
	p3, _ := NewMatrix(2, 3, make([]float32, 6))
	if _, _, err := ZeroShotScore(img, []string{"cat"}, []string{"cat", "dog"}, p3); err == nil {
		t.Fatal("dimension mismatch accepted")
	}
	acc, n, err := ZeroShotScore(img, []string{"cat"}, []string{"cat", "dog"}, protos)
	if err != nil || acc != 1 || n != 1 {
		t.Fatalf("got %v, %d, %v; want 1, 1, nil", acc, n, err)
	}
}

func TestReportShowsZeroShotColumn(t *testing.T) {
	res := fakeResults()
	if strings.Contains(RenderReport(res), "Zero-shot") {
		t.Fatal("zero-shot column without zero-shot results")
	}
	res = append(res, Result{Job: "clean", Attack: AttackNone, Direction: I2T, Modality: ModalityBoth, Defense: DefenseNone, Epoch: 10, Seed: 42, Metric: MetricZeroShotAcc, Value: 0.625})
	md := RenderReport(res)
	if !strings.Contains(md, "Zero-shot acc") || !strings.Contains(md, "| 0.971 | 0.625 | 1 |") {
		t.Fatalf("utility table lacks the zero-shot accuracy 0.625:\n%s", md)
	}
}
