package yamlspec

import (
	"os"
	"strings"
	"testing"
)

// BenchmarkParseChat measures parsing the full chat app.
func BenchmarkParseChat(b *testing.B) {
	data, err := os.ReadFile("testdata/chat.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, diags := Parse("jsgen.yaml", data); len(diags) > 0 {
			b.Fatal(diags)
		}
	}
}

// BenchmarkParseLarge measures a document with a thousand messages.
func BenchmarkParseLarge(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("version: 1\nmessages:\n")
	for i := range 1000 {
		sb.WriteString("  M" + itoa(i) + ":\n    fields:\n      a: string\n      b: {type: int, min: 0, max: 10}\n")
	}
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, diags := Parse("jsgen.yaml", data); len(diags) > 0 {
			b.Fatal(diags)
		}
	}
}
