package experiments

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/mmpoison/mmpoison/dataset"
)

func mat(t *testing.T, cols int, vals ...float32) Matrix {
	t.Helper()
	m, err := NewMatrix(len(vals)/cols, cols, vals)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMinRanksHandWorked(t *testing.T) {
	// Gallery: g0=(1,0), g1=(0,1), g2=(1,0) (a duplicate of g0), g3=(0.6,0.8).
	gallery := mat(t, 2, 1, 0, 0, 1, 1, 0, 0.6, 0.8)
	// Query (1,0) scores: g0=1, g1=0, g2=1, g3=0.6.
	// Query (0,1) scores: g0=0, g1=1, g2=0, g3=0.8.
	queries := mat(t, 2, 1, 0, 1, 0, 1, 0, 1, 0, 0, 1, 0, 1)
	targets := [][]int{
		{0},    // tied with non-target g2 at 1: pessimistic → rank 1
		{0, 2}, // both top targets: rank 0
		{1},    // score 0; g0, g2, g3 score ≥ 0 → 3
		{3, 1}, // best target g3 at 0.6; g0 and g2 above → 2
		{3},    // query (0,1): g1 (1) above g3 (0.8) → 1
		{1},    // query (0,1): g1 is the top → 0
	}
	got, err := MinRanks(queries, gallery, targets)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{1, 0, 3, 2, 1, 0}; !slices.Equal(got, want) {
		t.Fatalf("MinRanks = %v, want %v", got, want)
	}
}

// TestMinRanksMatchesSort checks the counting rule against a full sort with
// the pessimistic order (score descending, non-targets before targets on
// ties), on quantised random data full of ties and more queries than a block.
func TestMinRanksMatchesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const nq, ng, d = 70, 40, 3
	randMat := func(n int) Matrix {
		data := make([]float32, n*d)
		for i := range data {
			data[i] = float32(rng.IntN(3) - 1) // values in {-1,0,1}: many ties
		}
		return Matrix{Rows: n, Cols: d, Data: data}
	}
	q, g := randMat(nq), randMat(ng)
	targets := make([][]int, nq)
	for i := range targets {
		targets[i] = rng.Perm(ng)[:1+rng.IntN(4)]
	}
	got, err := MinRanks(q, g, targets)
	if err != nil {
		t.Fatal(err)
	}
	for i := range nq {
		isT := map[int]bool{}
		for _, x := range targets[i] {
			isT[x] = true
		}
		order := make([]int, ng)
		for j := range order {
			order[j] = j
		}
		score := func(j int) float64 { return dot(q.Row(i), g.Row(j)) }
		sort.SliceStable(order, func(a, b int) bool {
			sa, sb := score(order[a]), score(order[b])
			if sa != sb {
				return sa > sb
			}
			return !isT[order[a]] && isT[order[b]]
		})
		want := slices.IndexFunc(order, func(j int) bool { return isT[j] })
		if got[i] != want {
			t.Fatalf("query %d: rank %d, sort gives %d", i, got[i], want)
		}
	}
}

func TestMinRanksErrors(t *testing.T) {
	g := mat(t, 2, 1, 0, 0, 1)
	q := mat(t, 2, 1, 0)
	for name, tc := range map[string]struct {
		q       Matrix
		targets [][]int
	}{
		"no targets":   {q, [][]int{{}}},
		"out of range": {q, [][]int{{2}}},
		"count":        {q, nil},
		"dims":         {mat(t, 1, 1), [][]int{{0}}},
	} {
		if _, err := MinRanks(tc.q, g, tc.targets); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := NewMatrix(2, 2, []float32{1}); err == nil {
		t.Error("short matrix data accepted")
	}
}

func TestSummarize(t *testing.T) {
	s := Summarize([]int{0, 3, 1, 7, 60})
	// <1: {0}; <5: {0,3,1}; <10..<50: all but 60.
	if want := []float64{0.2, 0.6, 0.8, 0.8, 0.8, 0.8}; !slices.Equal(s.Hit, want) {
		t.Errorf("Hit = %v, want %v", s.Hit, want)
	}
	if s.Mean != 14.2 || s.Median != 3 || s.Min != 0 || s.Max != 60 || s.Count != 5 {
		t.Errorf("summary = %+v, want mean 14.2 median 3 min 0 max 60 count 5", s)
	}
	if even := Summarize([]int{4, 1, 2, 9}); even.Median != 3 {
		t.Errorf("even median = %v, want 3", even.Median)
	}
}

// A NaN model must never look good: all-NaN scores give every query the
// worst rank, and a NaN non-target never outranks a scored target.
func TestMinRanksNaNScoresRankLast(t *testing.T) {
	nan := float32(math.NaN())
	gallery := mat(t, 2, nan, nan, nan, nan, nan, nan, nan, nan)
	queries := mat(t, 2, nan, nan, nan, nan)
	got, err := MinRanks(queries, gallery, [][]int{{0}, {2, 3}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{3, 2}; !slices.Equal(got, want) {
		t.Fatalf("all-NaN MinRanks = %v, want the worst ranks %v", got, want)
	}
	// Gallery g0 = NaN, g1 = (1,0), g2 = (0,1); query (1,0).
	mixed := mat(t, 2, nan, 0, 1, 0, 0, 1)
	q := mat(t, 2, 1, 0, 1, 0)
	got, err = MinRanks(q, mixed, [][]int{{1}, {0}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{0, 2}; !slices.Equal(got, want) {
		t.Fatalf("mixed MinRanks = %v, want %v (NaN ranks last, as target or not)", got, want)
	}
	// Utility of an all-NaN gallery is at most chance.
	rows := []dataset.Row{{ID: 1, Captions: []string{"a"}}, {ID: 2, Captions: []string{"b"}}, {ID: 3, Captions: []string{"c"}}}
	g, err := NewGallery(rows, mat(t, 2, nan, nan, nan, nan, nan, nan), mat(t, 2, nan, nan, nan, nan, nan, nan))
	if err != nil {
		t.Fatal(err)
	}
	u, err := Utility(g)
	if err != nil {
		t.Fatal(err)
	}
	if u.IR.Hit[0] != 0 || u.TR.Hit[0] != 0 {
		t.Errorf("all-NaN model has R@1 IR %v TR %v, want 0", u.IR.Hit[0], u.TR.Hit[0])
	}
}
