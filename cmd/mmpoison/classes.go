package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/mmpoison/mmpoison/dataset"
)

// applyClasses labels caption data by keyword classes: "flickr" for the
// built-in Flickr8k set, a JSON file, or "" to keep the dataset's labels.
func applyClasses(ds *dataset.Dataset, spec string) error {
	var specs []dataset.ClassSpec
	switch spec {
	case "", "none":
		return nil
	case "flickr":
		specs = dataset.DefaultFlickrClasses()
	default:
		b, err := os.ReadFile(spec)
		if err != nil {
			return fmt.Errorf("classes file: %w", err)
		}
		if err := json.Unmarshal(b, &specs); err != nil {
			return fmt.Errorf("classes file %s: %w", spec, err)
		}
	}
	dataset.AssignClasses(ds, specs, 0.5)
	return nil
}
