package vision

import (
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/mmpoison/mmpoison/internal/parallel"
	"github.com/mmpoison/mmpoison/vision/rgb"
)

// TrainScaleLo and TrainScaleHi are the paper's RandomResizedCrop area range.
const (
	TrainScaleLo = 0.9
	TrainScaleHi = 1.0
)

// batchScratch holds one worker's crop image and resampler buffer, reused
// across batches so steady-state training does not allocate per image.
type batchScratch struct {
	crop rgb.Image
	tmp  []float32
}

// maxBatchImageSide bounds the side FillBatchAt accepts (a 4096² batch
// image is 200 MB of floats already).
const maxBatchImageSide = 4096

var scratchPool = sync.Pool{New: func() any { return new(batchScratch) }}

// FillBatch writes the cached images idx as normalised CHW floats, one
// 3·size·size block per index, into dst. A non-nil aug is applied to each
// cached square (PaperAugment is the paper's crop); nil takes them as they are.
// Images are processed in parallel, yet the result depends only on rng's
// state: per-image seeds are drawn from rng serially before the work starts.
func FillBatch(dst []float32, cache *Cache, idx []int, aug *Augment, rng *rand.Rand) error {
	return FillBatchAt(dst, cache, idx, cache.Size(), aug, rng)
}

// FillBatchAt is FillBatch writing size×size images: the augmented crop is
// resampled to size, or without aug the whole cached square is. A second
// view smaller than the first costs the tower less (SwAV's multi-crop).
func FillBatchAt(dst []float32, cache *Cache, idx []int, size int, aug *Augment, rng *rand.Rand) error {
	s := size
	if s < 1 || s > maxBatchImageSide {
		return fmt.Errorf("vision.FillBatch: image size %d is outside [1, %d]", s, maxBatchImageSide)
	}
	per := 3 * s * s
	if len(dst) < len(idx)*per {
		return fmt.Errorf("vision.FillBatch: dst has %d floats, %d images of %dx%d need %d", len(dst), len(idx), s, s, len(idx)*per)
	}
	for _, i := range idx {
		if i < 0 || i >= cache.Len() {
			return fmt.Errorf("vision.FillBatch: image index %d out of range [0, %d) of cache %s", i, cache.Len(), cache.Path())
		}
	}
	var seeds []uint64
	if aug != nil {
		if err := aug.valid(); err != nil {
			return fmt.Errorf("vision.FillBatch: %w", err)
		}
		if rng == nil {
			return fmt.Errorf("vision.FillBatch: augment needs a seeded *rand.Rand, got nil")
		}
		seeds = make([]uint64, 2*len(idx))
		for k := range seeds {
			seeds[k] = rng.Uint64()
		}
	}
	parallel.For(len(idx), 1, func(lo, hi int) {
		sc := scratchPool.Get().(*batchScratch)
		defer scratchPool.Put(sc)
		for k := lo; k < hi; k++ {
			img := cache.view(idx[k])
			if aug != nil || img.W != s { // the image is resampled into the worker's crop
				if cap(sc.crop.Pix) < per {
					sc.crop.Pix = make([]uint8, per)
				}
				sc.crop.W, sc.crop.H, sc.crop.Pix = s, s, sc.crop.Pix[:per]
				if aug != nil {
					sc.tmp = aug.apply(&sc.crop, img, rand.New(rand.NewPCG(seeds[2*k], seeds[2*k+1])), sc.tmp)
				} else {
					sc.tmp = resampleRegion(&sc.crop, img, 0, 0, img.W, img.H, sc.tmp)
				}
				img = &sc.crop
			}
			Normalize(dst[k*per:(k+1)*per], img)
		}
	})
	return nil
}
