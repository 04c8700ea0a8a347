package ts

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// unquoteJS decodes the string literals quote writes: "..." with \" \\ \n
// \t \uXXXX and \u{X...} escapes (surrogate pairs are never written).
func unquoteJS(t *testing.T, lit string) string {
	t.Helper()
	if len(lit) < 2 || lit[0] != '"' || lit[len(lit)-1] != '"' {
		t.Fatalf("not a double-quoted literal: %q", lit)
	}
	body := lit[1 : len(lit)-1]
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c == '"' {
			t.Fatalf("unescaped quote in %q", lit)
		}
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(body) {
			t.Fatalf("dangling backslash in %q", lit)
		}
		switch body[i] {
		case '"', '\\':
			b.WriteByte(body[i])
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'u':
			var hex string
			if strings.HasPrefix(body[i+1:], "{") {
				end := strings.IndexByte(body[i:], '}')
				hex, i = body[i+2:i+end], i+end
			} else {
				hex, i = body[i+1:i+5], i+4
			}
			n, err := strconv.ParseUint(hex, 16, 32)
			if err != nil {
				t.Fatalf("bad \\u escape %q in %q", hex, lit)
			}
			b.WriteRune(rune(n))
		default:
			t.Fatalf("unknown escape \\%c in %q", body[i], lit)
		}
	}
	return b.String()
}

func checkQuote(t *testing.T, s string) {
	lit := quote(s)
	for _, r := range lit {
		if r < 0x20 || r == 0x7f || r == 0x2028 || r == 0x2029 {
			t.Fatalf("quote(%q) = %q holds the raw character %U", s, lit, r)
		}
	}
	if got := unquoteJS(t, lit); got != s {
		t.Fatalf("quote(%q) = %q, which means %q", s, lit, got)
	}
}

func TestQuote(t *testing.T) {
	for _, s := range []string{"", "plain", `"\`, "a\nb\tc", "\x00\x1f\x7f", "é👋", "\u2028\u2029", "\u200b\ufeff", "\U000e0001", "*/"} {
		checkQuote(t, s)
	}
}

func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\\u0041", "\u2028", "\U0010ffff", "\x01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			t.Skip("IR strings are valid UTF-8")
		}
		checkQuote(t, s)
	})
}

func TestDocComments(t *testing.T) {
	g := &generator{}
	g.doc("  ", "ends */ early", "")
	g.doc("", strings.Repeat("word ", 40))
	got := g.buf.String()
	if strings.Count(got, "*/") != 2 {
		t.Errorf("a doc comment was ended early:\n%s", got)
	}
	for _, line := range strings.Split(got, "\n") {
		if len(line) > docWidth {
			t.Errorf("line longer than %d: %q", docWidth, line)
		}
	}
}
