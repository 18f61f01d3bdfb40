//go:build race

package browserleg

// raceEnabled reports whether the race detector is on: it allocates on
// its own, so allocation counts mean nothing under it.
const raceEnabled = true
