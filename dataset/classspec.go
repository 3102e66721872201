package dataset

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

// ParseClassSpecs reads a keyword-class setting: "" or "none" (no classes),
// "flickr" (DefaultFlickrClasses), or a JSON file holding either
// [{"name": ..., "keywords": [...]}] or {"class": [keywords]}.
func ParseClassSpecs(v string) ([]ClassSpec, error) {
	switch strings.ToLower(v) {
	case "", "none":
		return nil, nil
	case "flickr", "flickr8k", "flickr30k":
		return DefaultFlickrClasses(), nil
	}
	raw, err := os.ReadFile(v)
	if err != nil {
		return nil, fmt.Errorf("classes: %w", err)
	}
	var list []struct {
		Name     string   `json:"name"`
		Keywords []string `json:"keywords"`
	}
	var specs []ClassSpec
	if errList := json.Unmarshal(raw, &list); errList == nil {
		for _, c := range list {
			specs = append(specs, ClassSpec{Name: c.Name, Keywords: c.Keywords})
		}
	} else {
		var byName map[string][]string
		if err := json.Unmarshal(raw, &byName); err != nil {
			return nil, fmt.Errorf("classes file %s: want [{\"name\": ..., \"keywords\": [...]}] or {\"class\": [keywords]}: %v", v, errList)
		}
		for name, kw := range byName {
			specs = append(specs, ClassSpec{Name: name, Keywords: kw})
		}
		sort.Slice(specs, func(i, j int) bool { return specs[i].Name < specs[j].Name })
	}
	if len(specs) == 0 {
		return nil, fmt.Errorf("classes file %s: no classes defined", v)
	}
	for i, s := range specs {
		if s.Name == "" || len(s.Keywords) == 0 {
			return nil, fmt.Errorf("classes file %s: class %d needs a name and at least one keyword", v, i+1)
		}
	}
	return specs, nil
}
