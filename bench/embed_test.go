package bench

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestRunEmbedJSON(t *testing.T) {
	for _, arch := range []string{"resnet", "vit"} {
		var out bytes.Buffer
		if _, err := RunEmbed(EmbedOptions{Arch: arch, Steps: 2, Threads: 1, Batch: 3, Model: shrunkConfig(t, arch)}, &out, true); err != nil {
			t.Fatalf("%s: %v", arch, err)
		}
		var r EmbedResult
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatalf("%s: %v\n%s", arch, err, out.String())
		}
		if r.Arch != arch || r.Batch != 3 || r.Threads != 1 || len(r.StepSeconds) != 2 || !(r.ImagesPerS > 0) {
			t.Errorf("%s: %+v", arch, r)
		}
	}
	if _, err := RunEmbed(EmbedOptions{Arch: "cnn"}, &bytes.Buffer{}, true); err == nil {
		t.Error("arch cnn: no error")
	}
}
