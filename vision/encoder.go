package vision

import (
	"fmt"
	"math/rand/v2"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/nn"
)

// Encoder maps a batch of normalised images [N, 3, S, S] to embeddings [N, E].
type Encoder interface {
	nn.Module
	Forward(g *autograd.Tape, images *autograd.Tensor) *autograd.Tensor
}

// Config describes an image tower, in the spirit of open_clip's vision_cfg.
type Config struct {
	// Type is "vit" (OpenAI's VisionTransformer), "modified_resnet" (OpenAI's
	// ModifiedResNet with attention pooling) or "basic_resnet" (the small
	// BasicBlock ResNet of the PyTorch speed-comparison script).
	Type      string  `json:"type"`
	ImageSize int     `json:"image_size"`
	Width     int     `json:"width"`                // ViT width; ResNet base width (stem: width/2 .. width)
	Layers    []int   `json:"layers"`               // ViT: [depth]; ResNets: blocks per stage
	Heads     int     `json:"heads,omitempty"`      // ViT heads (attention-pool heads for modified_resnet: width*32/64 when 0)
	PatchSize int     `json:"patch_size,omitempty"` // ViT
	MLPRatio  float64 `json:"mlp_ratio,omitempty"`  // ViT, default 4
	Act       string  `json:"act,omitempty"`        // ViT: gelu (default) or quick_gelu
	Widths    []int   `json:"widths,omitempty"`     // basic_resnet: stage widths
	Strides   []int   `json:"strides,omitempty"`    // basic_resnet: stage strides
	// StemStride is basic_resnet's stem stride (default 1): 2 runs every
	// stage on a quarter of the pixels, for a quarter of the cost.
	StemStride int  `json:"stem_stride,omitempty"`
	PatchBias  bool `json:"patch_bias,omitempty"` // ViT: bias in the patch convolution (the speed-comparison model has one)
	NoLNPre    bool `json:"no_ln_pre,omitempty"`  // ViT: drop OpenAI's ln_pre (the speed-comparison model has none)
}

// Validate reports the first inconsistency in c.
func (c Config) Validate() error {
	if c.ImageSize <= 0 {
		return fmt.Errorf("vision config: image_size must be positive, got %d", c.ImageSize)
	}
	switch c.Type {
	case "vit":
		if c.PatchSize <= 0 || c.ImageSize%c.PatchSize != 0 {
			return fmt.Errorf("vision config: image_size %d must be a multiple of patch_size %d", c.ImageSize, c.PatchSize)
		}
		if len(c.Layers) != 1 || c.Layers[0] <= 0 {
			return fmt.Errorf("vision config: vit needs layers = [depth], got %v", c.Layers)
		}
		if c.Heads <= 0 || c.Width%c.Heads != 0 {
			return fmt.Errorf("vision config: width %d must be a multiple of heads %d", c.Width, c.Heads)
		}
	case "modified_resnet":
		if len(c.Layers) != 4 {
			return fmt.Errorf("vision config: modified_resnet needs 4 stage depths, got %v", c.Layers)
		}
		if c.ImageSize%32 != 0 {
			return fmt.Errorf("vision config: modified_resnet needs image_size divisible by 32, got %d", c.ImageSize)
		}
	case "basic_resnet":
		if len(c.Widths) == 0 || len(c.Widths) != len(c.Layers) || len(c.Widths) != len(c.Strides) {
			return fmt.Errorf("vision config: basic_resnet needs widths, layers and strides of equal length, got %v %v %v", c.Widths, c.Layers, c.Strides)
		}
		if c.StemStride < 0 || c.StemStride > 4 {
			return fmt.Errorf("vision config: basic_resnet stem_stride must be 1 to 4 (0 means 1), got %d", c.StemStride)
		}
	default:
		return fmt.Errorf("vision config: unknown type %q (want vit, modified_resnet or basic_resnet)", c.Type)
	}
	return nil
}

// NewEncoder builds the tower described by c with output width embedDim,
// initialised from rng.
func NewEncoder(rng *rand.Rand, c Config, embedDim int) (Encoder, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	switch c.Type {
	case "vit":
		return NewViT(rng, c, embedDim)
	case "modified_resnet":
		return NewModifiedResNet(rng, c, embedDim)
	default:
		return NewBasicResNet(rng, c, embedDim), nil
	}
}

// convBN is a bias-free convolution followed by batch norm, the ResNets' unit.
func newConvBN(rng *rand.Rand, in, out, k, stride int) (*nn.Conv2d, *nn.BatchNorm2d) {
	return nn.NewConv2d(rng, in, out, k, stride, k/2, false), nn.NewBatchNorm2d(out)
}

func errHeads(dim, heads int) error {
	return fmt.Errorf("vision config: attention width %d must be a positive multiple of heads %d", dim, heads)
}
