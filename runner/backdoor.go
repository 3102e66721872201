package runner

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"

	"github.com/mmpoison/mmpoison/clipmodel"
	"github.com/mmpoison/mmpoison/dataset"
	"github.com/mmpoison/mmpoison/experiments"
	"github.com/mmpoison/mmpoison/vision/rgb"
)

// backdoorJob is what a job of an attack that NeedsImages carries beside the
// paper's: the images with the stamped copies, and the triggered test
// images that measure it, with the clean model's figures as the baseline.
type backdoorJob struct {
	target    string            // the class the trigger should call up
	images    *clipmodel.Images // the dataset's images, the stamped training copies and the triggered test images
	triggered []int             // slots of the triggered copies of the BackdoorQueries test images
	clean     *experiments.BackdoorRanks
	path      string
}

// cachedImage is a row's image as the model sees it: the cached square.
func (r *Runner) cachedImage(row *dataset.Row) (*rgb.Image, error) {
	s, ok := r.prep.Images.Slot(r.prep.Data, row)
	if !ok {
		return nil, fmt.Errorf("row %d has no readable image", row.ID)
	}
	return r.prep.Images.Cache.Image(s), nil
}

// optimizeTrigger learns an optimized patch's pixels on the clean model
// (clipmodel.Model.OptimizePatch): the training images outside the target
// class, wearing the patch, are moved towards the target class's zero-shot
// prototype under the caption templates. It writes the patch as a PNG into
// plots/ and returns the trigger with its Pixels.
func (r *Runner) optimizeTrigger(tr experiments.Trigger, goal experiments.Goal, templates []string, name string, seed uint64) (experiments.Trigger, error) {
	if len(templates) == 0 {
		templates = experiments.DefaultZeroShotTemplates
	}
	prompts, err := experiments.ZeroShotPrompts([]string{goal.To}, templates)
	if err != nil {
		return tr, err
	}
	pe, err := experiments.NewMatrix(len(prompts), r.clean.Config.EmbedDim, r.clean.EmbedTexts(r.prep.Tok, prompts))
	if err != nil {
		return tr, err
	}
	proto, err := experiments.ClassPrototypes(pe, len(prompts))
	if err != nil {
		return tr, err
	}
	ds := r.prep.Data
	var slots []int
	for i := range ds.Rows {
		row := &ds.Rows[i]
		if row.Split != dataset.Train || row.Label == goal.To || (goal.From != experiments.AnyClass && row.Label != goal.From) {
			continue
		}
		if s, ok := r.prep.Images.Slot(ds, row); ok {
			slots = append(slots, s)
		}
	}
	d := tr
	if d.Steps == 0 {
		d.Steps = experiments.DefaultPatchSteps
	}
	if d.StepSize == 0 {
		d.StepSize = experiments.DefaultPatchStepSize
	}
	side := tr.PatchSide(r.clean.Config.Vision.ImageSize)
	pix, sims, err := r.clean.OptimizePatch(r.prep.Images.Cache, slots, proto.Row(0), clipmodel.PatchOptions{
		Side: side, Random: tr.Position == experiments.PositionRandom, Steps: d.Steps, Batch: 64, StepSize: d.StepSize, Seed: seed ^ tr.Seed})
	if err != nil {
		return tr, fmt.Errorf("optimize trigger: %w", err)
	}
	r.logf("  optimised a %d px patch in %d steps: similarity to %q %.3f → %.3f", side, d.Steps, goal.To, sims[0], sims[len(sims)-1])
	tr.Pixels = pix
	img := rgb.New(side, side)
	copy(img.Pix, pix)
	if err := os.MkdirAll(filepath.Join(r.Out, "plots"), 0o755); err != nil {
		return tr, err
	}
	return tr, writePNG(filepath.Join(r.Out, "plots", "trigger-"+name+".png"), img, 8)
}

// writePNG saves img scaled up by an integer factor, atomically.
func writePNG(path string, img *rgb.Image, scale int) error {
	out := image.NewRGBA(image.Rect(0, 0, img.W*scale, img.H*scale))
	for y := 0; y < img.H*scale; y++ {
		for x := 0; x < img.W*scale; x++ {
			p := img.Pix[3*((y/scale)*img.W+x/scale):]
			out.Set(x, y, color.RGBA{p[0], p[1], p[2], 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, out); err != nil {
		return err
	}
	return experiments.WriteFileAtomic(path, b.Bytes())
}

// templates are the caption templates of a backdoor: the attack's, else the
// zero-shot prompts', else experiments.DefaultZeroShotTemplates.
func (r *Runner) templates(a AttackConfig) []string {
	if len(a.Templates) > 0 {
		return a.Templates
	}
	return r.Config.ZeroShotTemplates
}

// prepareBackdoor stamps the trigger on every test image outside the target
// class, caches those with the poisoned training set's stamped rows in the
// job's folder, and measures the clean model on them.
func (r *Runner) prepareBackdoor(poisoned *dataset.Dataset, spec experiments.AttackSpec, dir string, seed uint64) (*backdoorJob, error) {
	g, err := r.gallery(r.clean)
	if err != nil {
		return nil, err
	}
	bd := &backdoorJob{target: spec.Goals[0].To, path: filepath.Join(dir, "images.imgcache")}
	queries := experiments.BackdoorQueries(g, bd.target)
	rng := jobRNG(seed, 0xbd)
	stamped := make([]*rgb.Image, len(queries))
	for i, q := range queries {
		img, err := r.cachedImage(&g.Rows[q])
		if err != nil {
			return nil, fmt.Errorf("backdoor test image: %w", err)
		}
		stamped[i] = spec.Trigger.Stamp(img, rng)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if bd.images, bd.triggered, err = r.prep.Images.Extend(poisoned, stamped, bd.path); err != nil {
		return nil, err
	}
	if bd.clean, err = r.measureBackdoor(r.clean, g, bd); err != nil {
		bd.close()
		return nil, err
	}
	return bd, nil
}

// close releases the job's image cache and removes its file, which a rerun
// of the job rebuilds bit for bit.
func (bd *backdoorJob) close() {
	if bd.images != nil {
		bd.images.Cache.Close()
	}
	os.Remove(bd.path)
}

// measureBackdoor embeds the triggered test images with m and ranks them
// against g, m's clean test gallery; zero-shot ASR needs the dataset's classes.
func (r *Runner) measureBackdoor(m *clipmodel.Model, g *experiments.Gallery, bd *backdoorJob) (*experiments.BackdoorRanks, error) {
	e, err := m.EmbedImages(bd.images.Cache, bd.triggered)
	if err != nil {
		return nil, err
	}
	triggered, err := experiments.NewMatrix(len(bd.triggered), m.Config.EmbedDim, e)
	if err != nil {
		return nil, err
	}
	var protos experiments.Matrix
	classes := r.prep.Data.Classes
	if len(classes) > 1 {
		if protos, err = r.prototypes(m, classes); err != nil {
			return nil, err
		}
	}
	return experiments.MeasureBackdoor(g, triggered, bd.target, classes, protos)
}

// prototypes are m's zero-shot class prototypes for classes.
func (r *Runner) prototypes(m *clipmodel.Model, classes []string) (experiments.Matrix, error) {
	templates := r.Config.ZeroShotTemplates
	if len(templates) == 0 {
		templates = experiments.DefaultZeroShotTemplates
	}
	prompts, err := experiments.ZeroShotPrompts(classes, templates)
	if err != nil {
		return experiments.Matrix{}, err
	}
	pe, err := experiments.NewMatrix(len(prompts), m.Config.EmbedDim, m.EmbedTexts(r.prep.Tok, prompts))
	if err != nil {
		return experiments.Matrix{}, err
	}
	return experiments.ClassPrototypes(pe, len(templates))
}

// gallery embeds the clean test split with m.
func (r *Runner) gallery(m *clipmodel.Model) (*experiments.Gallery, error) {
	se, err := m.EmbedSplit(r.prep.Data, dataset.Test, r.prep.Images, r.prep.Tok)
	if err != nil {
		return nil, err
	}
	img, _ := experiments.NewMatrix(len(se.Rows), se.Dim, se.Images)
	txt, _ := experiments.NewMatrix(len(se.Texts)/se.Dim, se.Dim, se.Texts)
	return experiments.NewGallery(se.Rows, img, txt)
}

// targetedZeroShot is 1 when zero-shot classification over the dataset's
// classes calls gallery image k the class target, else 0.
func (r *Runner) targetedZeroShot(m *clipmodel.Model, g *experiments.Gallery, k int, target string) (float64, error) {
	classes := r.prep.Data.Classes
	if len(classes) < 2 {
		return 0, fmt.Errorf("targeted attack: dataset %s has %d classes; zero-shot success needs at least two", r.prep.Data.Name, len(classes))
	}
	protos, err := r.prototypes(m, classes)
	if err != nil {
		return 0, err
	}
	ok, err := experiments.TargetedZeroShot(g.Images.Row(k), target, classes, protos)
	if ok {
		return 1, err
	}
	return 0, err
}
