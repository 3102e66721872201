package main

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/klauspost/cpuid/v2"
	"github.com/mmpoison/mmpoison/simd"
)

func init() {
	register(&command{name: "cpuinfo", summary: "print the CPU features seen and the kernel chosen for each operation", run: runCPUInfo})
}

func runCPUInfo(args []string) error {
	fs := newFlags("cpuinfo", "cpuinfo")
	if err := parse(fs, args); err != nil {
		return err
	}
	fmt.Printf("cpu:      %s (%d logical cores, GOMAXPROCS %d, %s/%s)\n", cpuid.CPU.BrandName, cpuid.CPU.LogicalCores, runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH)
	fmt.Printf("features: %s\n", strings.Join(simd.Features(), " "))
	fmt.Printf("level:    %s (best supported: %s; set %s=generic|avx2|avx512|amx to force one)\n", simd.Active(), simd.Best(), simd.EnvVar)
	fmt.Println("kernels:")
	for _, k := range simd.Kernels() {
		fmt.Println("  " + k)
	}
	return nil
}
