// Command gemm prints SGEMM GFLOP/s (see bench.RunGemm); bench/peers_gemm.sh
// runs it until `mmpoison bench gemm` exists.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/mmpoison/mmpoison/bench"
)

func main() {
	dtype := flag.String("dtype", "fp32", "fp32 or bf16")
	impl := flag.String("impl", "", "SIMD level: generic, avx2, avx512, amx (default: best)")
	threads := flag.Int("threads", 0, "worker threads (0: GOMAXPROCS)")
	shapes := flag.String("shapes", "1024x1024x1024,2048x2048x2048,256x512x2048", "MxKxN list")
	runs := flag.Int("runs", 5, "timed runs per shape (median reported)")
	asJSON := flag.Bool("json", false, "one JSON object per line")
	flag.Parse()
	sh, err := bench.ParseShapes(*shapes)
	if err == nil {
		err = bench.RunGemm(bench.GemmOptions{DType: *dtype, Impl: *impl, Threads: *threads, Shapes: sh, Runs: *runs}, os.Stdout, *asJSON)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gemm:", err)
		os.Exit(1)
	}
}
