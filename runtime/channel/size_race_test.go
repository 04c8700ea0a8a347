//go:build race

package channel

// stalledTestSize keeps the 1,000 subscribers but publishes fewer messages
// under the race detector, which makes the 100M deliveries of the full-size
// test take many minutes on a small machine; the full size runs in plain
// `go test`.
func stalledTestSize() (subscribers, messages int) { return 1000, 2_000 }
