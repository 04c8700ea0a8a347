package ts

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jsgen-dev/jsgen/internal/genfile"
)

// doc writes a JSDoc comment at indent holding the non-empty paragraphs,
// on one line when it is short and single-line.
func (g *generator) doc(indent string, paragraphs ...string) {
	var kept []string
	for _, p := range paragraphs {
		if p = strings.TrimSpace(p); p != "" {
			kept = append(kept, commentSafe(p))
		}
	}
	if len(kept) == 0 {
		return
	}
	text := strings.Join(kept, "\n\n")
	if !strings.Contains(text, "\n") && len(indent)+len(text)+7 <= docWidth {
		g.buf.WriteString(indent + "/** " + text + " */\n")
		return
	}
	g.buf.WriteString(indent + "/**\n")
	for _, line := range strings.Split(text, "\n") {
		if line == "" {
			g.buf.WriteString(indent + " *\n")
			continue
		}
		for _, l := range wrap(line, docWidth-len(indent)-3) {
			g.buf.WriteString(indent + " * " + l + "\n")
		}
	}
	g.buf.WriteString(indent + " */\n")
}

// docWidth is the width doc comments are wrapped to.
const docWidth = 100

// wrap breaks line at spaces into lines of at most width bytes where it
// can; a word longer than width stays whole.
func wrap(line string, width int) []string {
	var out []string
	for len(line) > width {
		cut := strings.LastIndexByte(line[:width+1], ' ')
		if cut <= 0 {
			cut = strings.IndexByte(line, ' ')
			if cut < 0 {
				break
			}
		}
		out = append(out, line[:cut])
		line = strings.TrimLeft(line[cut:], " ")
	}
	return append(out, line)
}

// commentSafe keeps text from ending the comment it is in.
func commentSafe(text string) string {
	return strings.ReplaceAll(text, "*/", "*\\/")
}

// quote writes s as a TypeScript string literal. Only '"', '\\' and
// characters that are not printable are escaped, so the literal means s
// exactly whatever the source's line terminators are.
func quote(s string) string { return genfile.Quote(s, tsEscape) }

// tsEscape is the escape of r in a TypeScript string literal, or "" when r
// stays literal.
func tsEscape(r rune) string {
	switch {
	case r < 0x20 || r == 0x7f || r == 0x2028 || r == 0x2029 || r == utf8.RuneError:
		return escapeRune(r)
	case r >= 0x80 && !strconv.IsPrint(r):
		return escapeRune(r)
	}
	return ""
}

// escapeRune writes r as \uXXXX or, beyond the BMP, \u{XXXXX}.
func escapeRune(r rune) string {
	if r > 0xffff {
		return `\u{` + strconv.FormatInt(int64(r), 16) + `}`
	}
	s := strconv.FormatInt(int64(r), 16)
	return `\u` + strings.Repeat("0", 4-len(s)) + s
}

// propName is name as a property key: bare when it is an identifier,
// quoted otherwise.
func propName(name string) string {
	if isIdent(name) {
		return name
	}
	return quote(name)
}

// isIdent reports whether s is an ASCII JavaScript identifier.
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && !(i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
