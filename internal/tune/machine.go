package tune

import (
	"fmt"
	"strings"

	"github.com/klauspost/cpuid/v2"
	"github.com/mmpoison/mmpoison/simd"
)

// machineKey names the cache file: choices hold for one CPU model at one
// SIMD level (a forced lower level times other kernels).
func machineKey() string {
	name := fmt.Sprintf("%s-f%d-m%d-%s", cpuid.CPU.VendorString, cpuid.CPU.Family, cpuid.CPU.Model, simd.Active())
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.':
			return r
		}
		return '_'
	}, name)
}
