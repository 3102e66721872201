package experiments

import "github.com/mmpoison/mmpoison/dataset"

// ApplyClasses labels caption data by keyword classes (see
// dataset.ParseClassSpecs); "" keeps the dataset's own labels.
func ApplyClasses(ds *dataset.Dataset, spec string) error {
	specs, err := dataset.ParseClassSpecs(spec)
	if err != nil || specs == nil {
		return err
	}
	dataset.AssignClasses(ds, specs, 0.5)
	return nil
}
