//go:build !linux

package hugepages

func advise([]float32) {}
