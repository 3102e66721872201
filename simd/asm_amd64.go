//go:build amd64 && !purego

package simd

const asmAvailable = true
