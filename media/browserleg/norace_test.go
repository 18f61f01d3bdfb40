//go:build !race

package browserleg

// raceEnabled reports whether the race detector is on.
const raceEnabled = false
