package dataset

import (
	"strings"
)

// applyCOCOSpec reads "PATH,test=50,seed=1" into opt and returns the path.
// A spec without a comma is a plain path, so folders whose names hold '='
// still load.
func applyCOCOSpec(spec string, opt *Options) (string, error) {
	if !strings.Contains(spec, ",") {
		return spec, nil
	}
	kv, path, err := parseKV(spec)
	if err != nil {
		return "", err
	}
	seed := int(opt.Seed)
	if err := setInts(kv, map[string]*int{"test": &opt.TestPerClass, "seed": &seed}); err != nil {
		return "", err
	}
	opt.Seed = uint64(seed)
	return path, nil
}
