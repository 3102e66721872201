package clipmodel

import (
	"fmt"
	"io"
	"math"

	"github.com/mmpoison/mmpoison/autograd"
)

// The training-time defenses change what the CLIP loss sees while the model
// trains on data that may be poisoned. Train carries the mechanics; the
// rules (how big a pool, which pairs are safe) come from the caller.

// CaptionPool is RoCLIP's defense (Yang et al., NeurIPS 2023): a first-in,
// first-out pool of recent caption embeddings, and every Every-th epoch
// each image is trained against the pool caption nearest to it instead of
// its own caption. A poisoned image seldom finds its poisoned caption among
// a pool of random ones, so the link the attack plants is not reinforced.
type CaptionPool struct {
	Size  int `json:"size"`  // captions held
	Every int `json:"every"` // epochs Every, 2·Every, … (counting from 1) match images with the pool
}

// matches reports whether epoch (from 0) is a matching epoch.
func (p *CaptionPool) matches(epoch int) bool { return (epoch+1)%p.Every == 0 }

// SafeSplit is SafeCLIP's defense (Yang et al., ICML 2024): after
// WarmupEpochs of in-modal training alone (two views of each image, a
// caption against its EDA copy), each epoch starts by scoring every pair by
// its image-caption cosine similarity under the current model. Split picks
// the safe pairs from those scores; the CLIP loss trains on the safe pairs
// and the in-modal terms on the rest, so a poisoned pair, which the model
// scores low, never meets the cross-modal loss.
type SafeSplit struct {
	WarmupEpochs int `json:"warmup_epochs"`
	// Split returns the safe pairs of epoch (0 is the first after the
	// warm-up) from sim, one score per pair of the training examples.
	Split func(epoch int, sim []float64) ([]bool, error) `json:"-"`
}

// DefenseState is a training-time defense's memory, kept in checkpoints so
// that a resumed run continues exactly.
type DefenseState struct {
	PoolNext  int `json:"pool_next,omitempty"`  // ring position of the caption pool's next entry
	PoolLen   int `json:"pool_len,omitempty"`   // entries the pool holds
	SafeEpoch int `json:"safe_epoch,omitempty"` // 1 + the epoch whose safe set is saved, 0 for none
}

// captionPool is the ring buffer of a CaptionPool.
type captionPool struct {
	size, dim int
	emb       []float32 // [size·dim]
	next, n   int
}

func newCaptionPool(size, dim int) *captionPool {
	return &captionPool{size: size, dim: dim, emb: make([]float32, size*dim)}
}

// push adds the rows of txt [B·dim], oldest out first.
func (p *captionPool) push(txt []float32) {
	for lo := 0; lo+p.dim <= len(txt); lo += p.dim {
		copy(p.emb[p.next*p.dim:(p.next+1)*p.dim], txt[lo:lo+p.dim])
		p.next = (p.next + 1) % p.size
		p.n = min(p.n+1, p.size)
	}
}

func (p *captionPool) full() bool { return p.n == p.size }

// nearest returns, for each unit row of img [B·dim], the pool entry of
// highest cosine similarity (the first on ties), as rows [B·dim].
func (p *captionPool) nearest(img []float32) []float32 {
	out := make([]float32, len(img))
	for lo := 0; lo+p.dim <= len(img); lo += p.dim {
		q := img[lo : lo+p.dim]
		best, bestSim := 0, float32(math.Inf(-1))
		for k := range p.n {
			e := p.emb[k*p.dim : (k+1)*p.dim]
			var s float32
			for i, v := range q {
				s += v * e[i]
			}
			if s > bestSim {
				best, bestSim = k, s
			}
		}
		copy(out[lo:lo+p.dim], p.emb[best*p.dim:(best+1)*p.dim])
	}
	return out
}

// poolLoss is a RoCLIP step's loss on the batch images and captions: in a
// matching epoch with a full pool, InfoNCE of the images against their
// nearest pool captions (constants, so only the image tower learns);
// otherwise the CLIP loss, whose caption embeddings then enter the pool.
func (m *Model) poolLoss(g *autograd.Tape, pool *captionPool, matching bool, images *autograd.Tensor, ids, eot []int) *autograd.Tensor {
	img := m.EncodeImages(g, images)
	if matching && pool.full() {
		near := autograd.New(pool.nearest(img.Data), img.Shape...)
		return InfoNCE(g, img, near, m.LogitScale)
	}
	txt := m.EncodeTexts(g, ids, eot)
	pool.push(txt.Data)
	return InfoNCE(g, img, txt, m.LogitScale)
}

// safeLoss is a SafeCLIP step's loss on a batch ordered safe pairs first:
// rows [0,safe) of the first views and captions are safe, the rest risky.
// second holds the second views of the risky rows and ids/eot the batch's
// captions followed by the risky rows' augmented copies. The CLIP loss
// trains the safe rows, the in-modal terms (at ViewTemperature) the risky
// ones; a group of fewer than two rows has no negatives and adds nothing.
func (m *Model) safeLoss(g *autograd.Tape, first, second *autograd.Tensor, ids, eot []int, safe int) *autograd.Tensor {
	n := first.Dim(0)
	risky := n - safe
	a := m.EncodeImages(g, first)
	txt := m.EncodeTexts(g, ids, eot)
	var loss *autograd.Tensor
	add := func(t *autograd.Tensor) {
		if loss == nil {
			loss = t
		} else {
			loss = g.Add(loss, t)
		}
	}
	if safe >= 2 {
		add(InfoNCE(g, g.Slice(a, 0, 0, safe), g.Slice(txt, 0, 0, safe), m.LogitScale))
	}
	if risky >= 2 {
		inModal := autograd.Scalar(float32(math.Log(1 / ViewTemperature)))
		b := m.EncodeImages(g, second)
		add(InfoNCE(g, g.Slice(a, 0, safe, n), b, inModal))
		add(InfoNCE(g, g.Slice(txt, 0, safe, n), g.Slice(txt, 0, n, n+risky), inModal))
	}
	return loss
}

// pairSimilarities scores every pair of data by the cosine similarity of its
// image and caption under m (centre crops, evaluation mode).
func (m *Model) pairSimilarities(data *Examples, im *Images) ([]float64, error) {
	slotAt := map[int]int{}
	var slots []int
	for _, s := range data.Slot {
		if _, ok := slotAt[s]; !ok {
			slotAt[s] = len(slots)
			slots = append(slots, s)
		}
	}
	imgE, err := m.EmbedImages(im.Cache, slots)
	if err != nil {
		return nil, err
	}
	txtE := m.EmbedTokens(data.Tokens, data.EOT)
	e := m.Config.EmbedDim
	sim := make([]float64, data.Len())
	for p, s := range data.Slot {
		a, b := imgE[slotAt[s]*e:(slotAt[s]+1)*e], txtE[p*e:(p+1)*e]
		var d float64
		for i := range a {
			d += float64(a[i]) * float64(b[i])
		}
		if math.IsNaN(d) {
			return nil, fmt.Errorf("pair %d has a NaN similarity: the model is broken", p)
		}
		sim[p] = d
	}
	return sim, nil
}

// Checkpoint tensors of the training-time defenses, under "train.".
const (
	poolTensor = "caption_pool"
	safeTensor = "safe_pairs"
)

// trainDefense is what Train keeps for a training-time defense; its zero
// value (no defense) passes every batch through unchanged.
type trainDefense struct {
	opt       TrainOptions
	pool      *captionPool
	safe      []bool // the current epoch's safe pairs; nil: none is safe (warm-up)
	safeEpoch int    // 1 + the epoch safe belongs to, 0 for none
	reorder   []int  // the batch, safe pairs first
}

// newTrainDefense sets up opt's defense, restoring its memory from a
// resumed run's state.
func newTrainDefense(m *Model, data *Examples, opt TrainOptions, st *TrainState) (*trainDefense, error) {
	d := &trainDefense{opt: opt}
	if opt.Pool != nil {
		d.pool = newCaptionPool(opt.Pool.Size, m.Config.EmbedDim)
		if t, ok := st.Extra[poolTensor]; ok {
			if len(t.Data) != len(d.pool.emb) || st.Defense.PoolLen > d.pool.size || st.Defense.PoolNext >= d.pool.size {
				return nil, fmt.Errorf("resume: the checkpoint's caption pool (%v, %d entries) does not fit a pool of %d × %d", t.Shape, st.Defense.PoolLen, d.pool.size, d.pool.dim)
			}
			copy(d.pool.emb, t.Data)
			d.pool.next, d.pool.n = st.Defense.PoolNext, st.Defense.PoolLen
		}
	}
	if opt.Safe != nil {
		if t, ok := st.Extra[safeTensor]; ok && st.Defense.SafeEpoch > 0 {
			if len(t.Data) != data.Len() {
				return nil, fmt.Errorf("resume: the checkpoint's safe set covers %d pairs, the data has %d", len(t.Data), data.Len())
			}
			d.safe, d.safeEpoch = make([]bool, data.Len()), st.Defense.SafeEpoch
			for i, v := range t.Data {
				d.safe[i] = v != 0
			}
		}
	}
	return d, nil
}

// beginEpoch draws SafeCLIP's safe set for epoch (from 0), unless a resumed
// run saved it already.
func (d *trainDefense) beginEpoch(m *Model, data *Examples, im *Images, epoch int, log io.Writer) error {
	s := d.opt.Safe
	if s == nil || d.safeEpoch == epoch+1 {
		return nil
	}
	if epoch < s.WarmupEpochs {
		d.safe, d.safeEpoch = nil, 0
		logf(log, "safe split: epoch %d of %d warm-up epochs, in-modal terms only", epoch+1, s.WarmupEpochs)
		return nil
	}
	sim, err := m.pairSimilarities(data, im)
	if err != nil {
		return fmt.Errorf("safe split: %w", err)
	}
	safe, err := s.Split(epoch-s.WarmupEpochs, sim)
	if err != nil {
		return fmt.Errorf("safe split: %w", err)
	}
	if len(safe) != data.Len() {
		return fmt.Errorf("safe split: the rule marked %d pairs, the data has %d", len(safe), data.Len())
	}
	n := 0
	for _, v := range safe {
		if v {
			n++
		}
	}
	logf(log, "safe split: epoch %d trains %d of %d pairs with the CLIP loss", epoch+1, n, len(safe))
	d.safe, d.safeEpoch = safe, epoch+1
	return nil
}

// batch orders a batch's pairs for the step, safe pairs first under a safe
// split, and says how many are safe. A lone safe pair, which has no
// negatives, joins the risky ones.
func (d *trainDefense) batch(pairs []int) ([]int, int) {
	if d.opt.Safe == nil {
		return pairs, len(pairs)
	}
	d.reorder = d.reorder[:0]
	for _, p := range pairs {
		if d.safe != nil && d.safe[p] {
			d.reorder = append(d.reorder, p)
		}
	}
	safe := len(d.reorder)
	if safe == 1 {
		d.reorder, safe = d.reorder[:0], 0
	}
	for _, p := range pairs {
		if d.safe == nil || !d.safe[p] || safe == 0 {
			d.reorder = append(d.reorder, p)
		}
	}
	return d.reorder, safe
}

// save puts the defense's memory into the state a checkpoint records.
func (d *trainDefense) save(st *TrainState) {
	st.Defense = DefenseState{}
	st.Extra = nil
	if d.pool != nil {
		st.Defense.PoolNext, st.Defense.PoolLen = d.pool.next, d.pool.n
		st.Extra = map[string]*autograd.Tensor{poolTensor: autograd.New(d.pool.emb, d.pool.size, d.pool.dim)}
	}
	if d.safe != nil {
		v := make([]float32, len(d.safe))
		for i, ok := range d.safe {
			if ok {
				v[i] = 1
			}
		}
		st.Defense.SafeEpoch = d.safeEpoch
		st.Extra = map[string]*autograd.Tensor{safeTensor: autograd.New(v, len(v))}
	}
}
