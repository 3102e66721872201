package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// median returns the middle value of xs (the mean of the two middle ones
// for an even count), as Python's statistics.median the peers use.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// PeakRSSMB is the process's peak resident set size in MiB (VmHWM of
// /proc/self/status), or nil where the OS does not report it.
func PeakRSSMB() *float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return nil
	}
	return parseVmHWM(b)
}

// parseVmHWM reads the "VmHWM:   123456 kB" line.
func parseVmHWM(status []byte) *float64 {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return nil
		}
		kb, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			return nil
		}
		mb := kb / 1024
		return &mb
	}
	return nil
}

func formatRSS(mb *float64) string {
	if mb == nil {
		return "unavailable"
	}
	return fmt.Sprintf("%.0f", *mb)
}

func formatSeconds(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.3f", x)
	}
	return strings.Join(parts, " ")
}
