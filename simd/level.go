// Package simd holds mmpoison's hot numerical kernels: SGEMM, BF16 GEMM and
// the vector and row kernels of a training step.
//
// Every operation has a pure-Go reference path and, on amd64, assembly paths
// for AVX2+FMA and AVX-512. One level is chosen at start-up from the CPU's
// features (klauspost/cpuid/v2); MMPOISON_SIMD=generic|avx2|avx512|amx forces
// one, which is how tests and benchmarks reach every path on one machine.
package simd

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/klauspost/cpuid/v2"
)

// Level is a family of kernels tied to a set of CPU features.
type Level int

const (
	Generic Level = iota // pure Go, runs everywhere
	AVX2                 // AVX2 + FMA3
	AVX512               // AVX-512 F/BW/DQ/VL (+ AVX512_BF16 for bf16 GEMM when present)
	AMX                  // AVX512 plus AMX-BF16 tiles for bf16 GEMM
)

var levelNames = [...]string{"generic", "avx2", "avx512", "amx"}

func (l Level) String() string {
	if l >= 0 && int(l) < len(levelNames) {
		return levelNames[l]
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// ParseLevel turns a name such as "avx512" into a Level.
func ParseLevel(s string) (Level, error) {
	for i, n := range levelNames {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return Level(i), nil
		}
	}
	return Generic, fmt.Errorf("unknown SIMD level %q: want one of %s", s, strings.Join(levelNames[:], ", "))
}

// Supported reports whether this CPU (and this build) can run level l.
func Supported(l Level) bool {
	if l == Generic {
		return true
	}
	if !asmAvailable {
		return false
	}
	switch l {
	case AVX2:
		return cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3)
	case AVX512:
		return cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512BW, cpuid.AVX512DQ, cpuid.AVX512VL, cpuid.FMA3)
	case AMX:
		return Supported(AVX512) && cpuid.CPU.Supports(cpuid.AMXBF16, cpuid.AMXTILE) && amxPermission()
	}
	return false
}

// Best is the highest level this CPU supports.
func Best() Level {
	for l := AMX; l > Generic; l-- {
		if Supported(l) {
			return l
		}
	}
	return Generic
}

// HasBF16Dot reports whether AVX512_BF16 (VDPBF16PS) is available.
func HasBF16Dot() bool {
	return asmAvailable && Supported(AVX512) && cpuid.CPU.Supports(cpuid.AVX512BF16)
}

// EnvVar names the environment variable that forces a level.
const EnvVar = "MMPOISON_SIMD"

var (
	// active is set by a variable initialiser, not in init: package-level
	// variables are initialised before any init function runs, so every
	// kernel file's onLevel hook sees the real level whatever the file order.
	active    = Best()
	activeErr error
)

func init() {
	if s := os.Getenv(EnvVar); s != "" {
		if err := SetLevel(mustParse(s)); err != nil {
			activeErr = err
		}
	}
}

func mustParse(s string) Level {
	l, err := ParseLevel(s)
	if err != nil {
		activeErr = fmt.Errorf("%s: %w", EnvVar, err)
		return Best()
	}
	return l
}

// Active is the level in use.
func Active() Level { return active }

// InitError reports a bad MMPOISON_SIMD setting found at start-up (the
// process then runs at the best supported level). Commands print it and exit.
func InitError() error { return activeErr }

var levelHooks []func(Level)

// onLevel registers a function that installs an operation's kernel for a level.
// It is called at once with the current level and again on every SetLevel.
func onLevel(f func(Level)) {
	levelHooks = append(levelHooks, f)
	f(active)
}

var setMu sync.Mutex

// SetLevel switches every operation to level l. It is meant for start-up,
// tests and benchmarks, not for use while kernels run on other goroutines.
func SetLevel(l Level) error {
	if !Supported(l) {
		return fmt.Errorf("SIMD level %s is not supported on this CPU (%s; features: %s); best available is %s",
			l, cpuid.CPU.BrandName, strings.Join(Features(), " "), Best())
	}
	setMu.Lock()
	defer setMu.Unlock()
	active = l
	for _, h := range levelHooks {
		h(l)
	}
	return nil
}

// Features lists the CPU features relevant to kernel choice that this CPU has.
func Features() []string {
	var out []string
	for _, f := range []cpuid.FeatureID{cpuid.SSE4, cpuid.AVX, cpuid.AVX2, cpuid.FMA3, cpuid.F16C,
		cpuid.AVX512F, cpuid.AVX512BW, cpuid.AVX512DQ, cpuid.AVX512VL, cpuid.AVX512VNNI, cpuid.AVX512BF16,
		cpuid.AMXTILE, cpuid.AMXBF16, cpuid.AMXINT8} {
		if cpuid.CPU.Supports(f) {
			out = append(out, f.String())
		}
	}
	return out
}

var (
	kernelMu    sync.Mutex
	kernelNames = map[string]string{}
)

// setKernel records which implementation serves an operation, for Kernels.
func setKernel(op, impl string) {
	kernelMu.Lock()
	kernelNames[op] = impl
	kernelMu.Unlock()
}

// Kernels lists "operation: implementation" for every operation, sorted.
func Kernels() []string {
	kernelMu.Lock()
	defer kernelMu.Unlock()
	out := make([]string, 0, len(kernelNames))
	for op, impl := range kernelNames {
		out = append(out, op+": "+impl)
	}
	sort.Strings(out)
	return out
}
