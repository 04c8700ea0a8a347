//go:build race

package codecbench

// raceEnabled: under the race detector sync.Pool drops items on purpose,
// so regexp matching allocates and allocation counts mean nothing.
const raceEnabled = true
