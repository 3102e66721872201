package dataset

import "math/rand/v2"

// itemRNG returns the generator for item i of a seeded generation. The
// words are hashed first: PCG states that differ only in a few low bits give
// visibly correlated first draws.
func itemRNG(seed uint64, stream, i uint64) *rand.Rand {
	return rand.New(rand.NewPCG(mix64(seed^mix64(stream)), mix64(i+0x9e3779b97f4a7c15*(stream+1))))
}

// mix64 is the splitmix64 finaliser.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
