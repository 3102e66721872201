package layers

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/mmpoison/mmpoison/"

// layer ranks the library's packages as docs/architecture.md does; a
// package may import only packages of a lower rank. vision/rgb sits at the
// bottom so that loading data needs no encoder code.
var layer = map[string]int{
	"internal/parallel": 0, "internal/cputime": 0, "internal/atomicfile": 0, "internal/progress": 0, "internal/hugepages": 0, "vision/rgb": 0,
	"simd": 1,
	"conv": 2, "internal/tune": 2,
	"autograd":       3,
	"nn/safetensors": 4, "nn": 5, "nn/torchfile": 5,
	"vision": 6, "text": 6, "dataset": 6,
	"clipmodel":   7,
	"experiments": 8,
	"runner":      9,
	"bench":       9,
}

func TestPackagesImportOnlyLowerLayers(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	seen := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg := strings.TrimPrefix(f[0], module)
		rank, ranked := layer[pkg]
		if !ranked {
			continue // commands, examples, bench tools and this package sit on top
		}
		seen++
		for _, imp := range f[1:] {
			dep, ours := strings.CutPrefix(imp, module)
			if !ours {
				continue
			}
			depRank, ok := layer[dep]
			switch {
			case !ok:
				t.Errorf("%s imports %s, which is not a library layer", pkg, dep)
			case depRank >= rank:
				t.Errorf("%s (layer %d) imports %s (layer %d): a package imports only lower layers", pkg, rank, dep, depRank)
			}
		}
	}
	if seen != len(layer) {
		t.Errorf("go list showed %d of the %d ranked packages", seen, len(layer))
	}
}
