package gospec

import (
	"context"
	"testing"
)

// BenchmarkLoadChat measures a whole Load of the chat app (mostly the go
// command and type checking).
func BenchmarkLoadChat(b *testing.B) {
	dir := writeModule(b, chatFiles(b))
	for b.Loop() {
		if _, diags, err := Load(context.Background(), dir); err != nil || len(diags) > 0 {
			b.Fatal(err, diags)
		}
	}
}

func BenchmarkParseTag(b *testing.B) {
	const tag = "default=Anonymous,minLength=1,maxLength=50,pattern='^[^<>]+$'"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseTag(tag); err != nil {
			b.Fatal(err)
		}
	}
}
