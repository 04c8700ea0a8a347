//go:build !race

package channel

// stalledTestSize is the full size of the stalled-subscriber test.
func stalledTestSize() (subscribers, messages int) { return 1000, 100_000 }
