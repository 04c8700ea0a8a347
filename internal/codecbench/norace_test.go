//go:build !race

package codecbench

const raceEnabled = false
