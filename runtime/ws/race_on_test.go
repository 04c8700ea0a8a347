//go:build race

package ws

// raceEnabled: the race detector instruments memory accesses and
// allocates on its own, so allocation counts are not checked.
const raceEnabled = true
