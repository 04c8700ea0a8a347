package wireschema

import "testing"

// BenchmarkMessages measures building and rendering every schema of
// internal/codecbench.
func BenchmarkMessages(b *testing.B) {
	prog := codecbenchIR(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Messages(prog); err != nil {
			b.Fatal(err)
		}
	}
}
