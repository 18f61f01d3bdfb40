//go:build !race

package media

// raceEnabled reports whether the race detector is on.
const raceEnabled = false
