//go:build race

package nn

// raceEnabled: the race detector makes sync.Pool drop items on purpose, so
// allocation counts that rely on a pool do not hold under it.
const raceEnabled = true
