package jsonx

import (
	"regexp"
	"testing"
)

var patternSeeds = []string{
	`^[a-z0-9-]+$`, `^[A-Za-z0-9_-]+$`, `^[a-z]*$`, `^https://`, `^https?://`, `^[^<>]+$`, `^[a-z]+/[a-z0-9.+-]+$`,
	`^a+$`, `^\d+$`, `^[[:alpha:]]+$`, `(?i)^[a-z]+$`, `^(?i)abc`, `^é`, `^\x{FFFD}`, `[a-z]+`, `^$`, `^[a-z]+$|^x`,
	`^\w*$`, `^[\x00-\x7f]+$`, `^.+$`, `^[^é]+$`, `^[^a]*$`, `^[\x00-\x{10FFFF}]+$`, `^[^\n]+$`, `(?s)^.*$`,
}

func TestPatternKinds(t *testing.T) {
	kinds := map[string]patternKind{
		`^[a-z0-9-]+$`: classOnly, `^[A-Za-z0-9_-]+$`: classOnly, `^[a-z]*$`: classOnly, `^\d+$`: classOnly,
		`^https://`: literalPrefix, `^é`: literalPrefix,
		`^[^<>]+$`: classOnly, `^[^é]+$`: general, `^.+$`: general, `^https?://`: general, `(?i)^abc`: general, `^\x{FFFD}`: general, `[a-z]+`: general,
	}
	for expr, want := range kinds {
		if got := MustCompilePattern(expr).kind; got != want {
			t.Errorf("%s: kind %d, want %d", expr, got, want)
		}
	}
}

func FuzzPattern(f *testing.F) {
	for i, p := range patternSeeds {
		for _, s := range []string{"", "abc", "ABC-09_", "https://x", "http://x", "a\xffb", "é", "\ufffd", "a-b/c+d", "<b>", "a\nb"} {
			f.Add(p, s+string(rune('a'+i%26)))
			f.Add(p, s)
		}
	}
	f.Fuzz(func(t *testing.T, expr, s string) {
		re, err := regexp.Compile(expr)
		if err != nil {
			return
		}
		p := MustCompilePattern(expr)
		if got, want := p.MatchString(s), re.MatchString(s); got != want {
			t.Fatalf("Pattern(%q).MatchString(%q) = %v, regexp says %v (kind %d)", expr, s, got, want, p.kind)
		}
		if p.String() != expr {
			t.Fatalf("String() = %q", p.String())
		}
	})
}

func BenchmarkPattern(b *testing.B) {
	for _, expr := range []string{`^[a-z0-9-]+$`, `^https://`} {
		p, re := MustCompilePattern(expr), regexp.MustCompile(expr)
		s := "release-notes-2026"
		if expr == `^https://` {
			s = "https://example.com/a/b"
		}
		b.Run(expr+"/jsonx", func(b *testing.B) {
			for b.Loop() {
				p.MatchString(s)
			}
		})
		b.Run(expr+"/regexp", func(b *testing.B) {
			for b.Loop() {
				re.MatchString(s)
			}
		})
	}
}
