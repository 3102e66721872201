package nn

import "github.com/mmpoison/mmpoison/autograd"

// BatchNorm2d normalises each channel of NCHW input, with batch statistics
// while training (updating the running ones) and running statistics in eval
// mode. A new layer is in training mode, as in PyTorch.
type BatchNorm2d struct {
	Weight, Bias      *autograd.Tensor // [C] gain (ones) and shift (zeros)
	RunningMean       *autograd.Tensor // [C] buffer, zeros
	RunningVar        *autograd.Tensor // [C] buffer, ones
	NumBatchesTracked *autograd.Tensor // [] buffer: training batches seen (int64 in PyTorch)
	Momentum, Eps     float32
	Training          bool
}

// NewBatchNorm2d makes a layer with PyTorch's defaults (momentum 0.1, eps 1e-5).
func NewBatchNorm2d(channels int) *BatchNorm2d {
	b := &BatchNorm2d{
		Weight: autograd.Param(channels), Bias: autograd.Param(channels),
		RunningMean: autograd.Zeros(channels), RunningVar: autograd.Zeros(channels),
		NumBatchesTracked: autograd.Zeros(),
		Momentum:          0.1, Eps: 1e-5, Training: true,
	}
	Fill(b.Weight, 1)
	Fill(b.RunningVar, 1)
	return b
}

func (b *BatchNorm2d) Walk(w *Walker, prefix string) {
	w.Param(prefix, "weight", b.Weight)
	w.Param(prefix, "bias", b.Bias)
	w.Buffer(prefix, "running_mean", b.RunningMean)
	w.Buffer(prefix, "running_var", b.RunningVar)
	w.Buffer(prefix, "num_batches_tracked", b.NumBatchesTracked)
}

// SetTraining switches between batch statistics (on) and running statistics.
func (b *BatchNorm2d) SetTraining(on bool) { b.Training = on }

// IsTraining reports whether b normalises by batch statistics.
func (b *BatchNorm2d) IsTraining() bool { return b.Training }

// Forward normalises x [N, C, H, W].
func (b *BatchNorm2d) Forward(g *autograd.Tape, x *autograd.Tensor) *autograd.Tensor {
	if b.Training {
		b.NumBatchesTracked.Data[0]++
	}
	return g.BatchNorm2d(x, b.Weight, b.Bias, b.RunningMean.Data, b.RunningVar.Data, b.Training, b.Momentum, b.Eps)
}
