//go:build race

package media

// raceEnabled reports whether the race detector is on (it allocates on its
// own, so allocation counts are meaningless under it).
const raceEnabled = true
