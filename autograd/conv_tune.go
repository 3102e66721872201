package autograd

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/mmpoison/mmpoison/conv"
	"github.com/mmpoison/mmpoison/internal/parallel"
	"github.com/mmpoison/mmpoison/internal/tune"
)

// The Conv2d algorithms a tuning plan chooses between.
const (
	convDirect   = "direct"
	convWinograd = "winograd"
)

// Winograd is timed against the direct path only for stride-1 pad-1 3x3
// layers within these bounds, wider than the static thresholds: below 32
// channels its transforms cost more than the GEMMs they save, and above
// 64 px the direct path's long bands reach full peak.
var (
	winoTuneMinChannels = 32
	winoTuneMaxSide     = 64
)

// convAlgorithm picks the algorithm of a Conv2d with geometry geo, batch n
// and o output channels: the tuning plan's choice where Winograd is a
// candidate (see package tune), else the static thresholds' (winogradFits).
func (g *Tape) convAlgorithm(geo *conv.Geom, n, o int, bias bool) string {
	builtin := convDirect
	if winogradFits(g, geo, o) {
		builtin = convWinograd
	}
	if !(geo.KH == 3 && geo.KW == 3 && geo.Stride == 1 && geo.Pad == 1 &&
		min(geo.C, o) >= winoTuneMinChannels && max(geo.H, geo.W) <= winoTuneMaxSide) {
		return builtin
	}
	plan := tune.Current()
	if plan.Mode() == tune.Static {
		return builtin
	}
	// Batches round up to a power of two, so a ragged last batch shares
	// its run's choice.
	class := convClass{plan, geo.C, o, geo.H, geo.W, 1 << bits.Len(uint(n-1)), g.precision, !g.NoGrad(), parallel.Threads()}
	convChoices.Lock()
	alg, ok := convChoices.m[class]
	convChoices.Unlock()
	if ok {
		return alg
	}
	var timer *convTimer
	alg = plan.Choose(class.key(), builtin, []string{convDirect, convWinograd}, func(alg string) time.Duration {
		if timer == nil {
			timer = newConvTimer(g.precision, class.train, n, geo.C, o, geo.H, geo.W, bias)
		}
		return timer.run(alg)
	})
	convChoices.Lock()
	convChoices.m[class] = alg
	convChoices.Unlock()
	return alg
}

// convClass is a Conv2d shape class of one plan. convChoices remembers each
// class's choice so that the training step looks it up without building the
// plan's string key.
type convClass struct {
	plan          *tune.Plan
	c, o, h, w, n int
	precision     Precision
	train         bool
	threads       int
}

var convChoices = struct {
	sync.Mutex
	m map[convClass]string
}{m: map[convClass]string{}}

// key is the class's name in the plan (and its cache file and run.json).
func (k convClass) key() string {
	pass := "infer"
	if k.train {
		pass = "train"
	}
	return fmt.Sprintf("conv3x3 c%d o%d %dx%d n%d %s %s t%d", k.c, k.o, k.h, k.w, k.n, k.precision, pass, k.threads)
}

// convTimer times one layer shape's forward (and backward, dX and dW) on
// random data with its own tape, reused across runs so that only the first
// pays for fresh pages.
type convTimer struct {
	g     *Tape
	train bool
	x, w  *Tensor
	b     *Tensor
	gy    []float32
}

func newConvTimer(p Precision, train bool, n, c, o, h, w int, bias bool) *convTimer {
	r := rand.New(rand.NewPCG(1, 2))
	fill := func(t *Tensor) *Tensor {
		for i := range t.Data {
			t.Data[i] = 2*r.Float32() - 1
		}
		t.SetRequiresGrad(train)
		return t
	}
	t := &convTimer{g: NewTape(), train: train, x: fill(Zeros(n, c, h, w)), w: fill(Zeros(o, c, 3, 3))}
	t.g.SetPrecision(p)
	t.g.SetNoGrad(!train)
	if bias {
		t.b = fill(Zeros(o))
	}
	if train {
		t.gy = make([]float32, n*o*h*w)
		for i := range t.gy {
			t.gy[i] = 2*r.Float32() - 1
		}
	}
	return t
}

func (t *convTimer) run(alg string) time.Duration {
	defer t.g.Reset()
	start := time.Now()
	var y *Tensor
	if alg == convWinograd {
		y = t.g.conv2dWinograd(t.x, t.w, t.b)
	} else {
		geo := conv.NewGeom(t.x.Shape[1], t.x.Shape[2], t.x.Shape[3], 3, 3, 1, 1)
		y = t.g.conv2dDirect(t.x, t.w, t.b, &geo)
	}
	if t.train {
		seed := t.g.NewTensor()
		t.g.Backward(t.g.Record(seed, func() { copy(t.g.GradOf(y), t.gy) }, y))
	}
	return time.Since(start)
}
