//go:build !race

package e2e

// raceEnabled is true when the test runs with -race: callgate is then
// built with it too.
const raceEnabled = false
