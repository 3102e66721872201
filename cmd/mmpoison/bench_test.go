package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mmpoison/mmpoison/bench"
)

func TestBenchGemmJSON(t *testing.T) {
	for _, dtype := range []string{"fp32", "bf16"} {
		var out bytes.Buffer
		err := runBench([]string{"gemm", "--dtype", dtype, "--impl", "generic", "--threads", "1", "--shapes", "8x4x3,5x6x7", "--runs", "1", "--json"}, &out)
		if err != nil {
			t.Fatalf("%s: %v", dtype, err)
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != 2 {
			t.Fatalf("%s: %d lines, want one per shape:\n%s", dtype, len(lines), out.String())
		}
		for i, want := range [][3]int{{8, 4, 3}, {5, 6, 7}} {
			var r bench.GemmResult
			if err := json.Unmarshal([]byte(lines[i]), &r); err != nil {
				t.Fatalf("%s line %d: %v", dtype, i, err)
			}
			if r.DType != dtype || r.Impl != "generic" || r.Threads != 1 || [3]int{r.M, r.K, r.N} != want || !(r.GFLOPS > 0) {
				t.Errorf("%s line %d: %+v", dtype, i, r)
			}
		}
	}
}

func TestBenchExitCodes(t *testing.T) {
	checkExits(t, []exitCase{
		{[]string{"bench", "--help"}, 0},
		{[]string{"bench", "gemm", "--help"}, 0},
		{[]string{"bench"}, 2},
		{[]string{"bench", "conv"}, 2},
		{[]string{"bench", "gemm", "--dtype", "fp64"}, 2},
		{[]string{"bench", "gemm", "--impl", "sse9"}, 2},
		{[]string{"bench", "gemm", "--threads", "-1"}, 2},
		{[]string{"bench", "gemm", "--runs", "0"}, 2},
		{[]string{"bench", "gemm", "--shapes", "3x3"}, 2},
		{[]string{"bench", "gemm", "--shapes", "0x3x3"}, 2},
		{[]string{"bench", "gemm", "extra"}, 2},
		{[]string{"bench", "gemm", "--shapes", "4x4x4", "--runs", "1"}, 0},
	})
}
