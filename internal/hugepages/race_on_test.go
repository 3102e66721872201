//go:build race

package hugepages

// raceEnabled: under the race detector fresh heap memory is touched before
// Floats can advise it, so it keeps small pages.
const raceEnabled = true
