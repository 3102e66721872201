//go:build !linux || !amd64 || purego

package simd

func amxPermission() bool { return false }
