package bench

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestParseShapes(t *testing.T) {
	got, err := ParseShapes("1024x1024x1024, 256X512x2048")
	if err != nil {
		t.Fatal(err)
	}
	want := [][3]int{{1024, 1024, 1024}, {256, 512, 2048}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseShapes = %v, want %v", got, want)
	}
	for _, bad := range []string{"", "12x3", "1x2x3x4", "0x1x1", "ax1x1", "4x-1x2", "99999999x99999999x1", "65536x65536x65536"} {
		if _, err := ParseShapes(bad); err == nil {
			t.Errorf("ParseShapes(%q) accepted a bad shape", bad)
		}
	}
}

func TestRunGemmJSON(t *testing.T) {
	var buf bytes.Buffer
	opts := GemmOptions{DType: "fp32", Impl: "generic", Threads: 1, Shapes: [][3]int{{8, 9, 10}, {64, 32, 48}}, Runs: 1}
	if err := RunGemm(opts, &buf, true); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 JSON lines, got %q", buf.String())
	}
	var r GemmResult
	if err := json.Unmarshal([]byte(lines[1]), &r); err != nil {
		t.Fatal(err)
	}
	if r.DType != "fp32" || r.Impl != "generic" || r.Threads != 1 || r.M != 64 || r.K != 32 || r.N != 48 || !(r.GFLOPS > 0) {
		t.Errorf("unexpected result %+v", r)
	}
}

func TestRunGemmRejectsBadOptions(t *testing.T) {
	var buf bytes.Buffer
	for _, o := range []GemmOptions{{DType: "int4"}, {Impl: "sse9"}, {Threads: -1}, {Shapes: [][3]int{{0, 1, 1}}}} {
		if err := RunGemm(o, &buf, false); err == nil {
			t.Errorf("RunGemm(%+v) accepted bad options", o)
		}
	}
}
