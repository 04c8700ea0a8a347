package yamlspec

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jsgen-dev/jsgen/schema/diag"
)

// checkEncoding reports the first byte sequence the YAML reader would refuse
// (invalid UTF-8 or a control character), positioned exactly, which the YAML
// library itself reports without a position. It returns false when there is
// one.
func (p *parser) checkEncoding() bool {
	for i := 0; i < len(p.data); {
		r, size := utf8.DecodeRune(p.data[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			p.diags.AddHint(p.offsetPos(i), "save jsgen.yaml as UTF-8",
				"invalid UTF-8 (byte 0x%02x)", p.data[i])
			return false
		case !allowedRune(r):
			p.diags.AddHint(p.offsetPos(i), `write it as an escape inside a double-quoted string, e.g. "\t"`,
				"control character %U is not allowed in YAML", r)
			return false
		}
		i += size
	}
	return true
}

// allowedRune reports whether YAML allows r to appear literally in a stream
// (the printable set of the YAML specification).
func allowedRune(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r' || r == 0x85:
		return true
	case r >= 0x20 && r <= 0x7e:
		return true
	case r >= 0xa0 && r <= 0xd7ff, r >= 0xe000 && r <= 0xfffd, r >= 0x10000 && r <= 0x10ffff:
		return true
	}
	return false
}

// parserProblems are the problems raised by the YAML library's parser (as
// opposed to its scanner). The library reports their line 0-based.
var parserProblems = []string{
	"did not find expected",
	"found undefined tag handle",
	"found duplicate %YAML directive",
	"found incompatible YAML document",
	"found duplicate %TAG directive",
}

// syntaxError reports an error returned by the YAML library, positioned at
// the line it names (column 1: the library does not say which column).
func (p *parser) syntaxError(err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line, problem := splitLine(msg)
	if isParserProblem(problem) || line == 0 {
		// The parser counts lines from 0, and "no line" means line 0.
		line++
	}
	if name, ok := strings.CutPrefix(problem, "unknown anchor '"); ok {
		line = p.aliasLine(strings.TrimSuffix(name, "' referenced"))
	}
	line = min(line, p.lines.lineCount())
	p.diags.AddHint(p.pos(line, 1), p.syntaxHint(line, problem), "invalid YAML: %s", problem)
}

// splitLine splits "line N: problem" into N and problem; N is 0 when msg
// names no line.
func splitLine(msg string) (int, string) {
	rest, ok := strings.CutPrefix(msg, "line ")
	if !ok {
		return 0, msg
	}
	num, problem, ok := strings.Cut(rest, ": ")
	if !ok {
		return 0, msg
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 {
		return 0, msg
	}
	return n, problem
}

// isParserProblem reports whether problem comes from the YAML parser.
func isParserProblem(problem string) bool {
	for _, prefix := range parserProblems {
		if strings.HasPrefix(problem, prefix) {
			return true
		}
	}
	return false
}

// aliasLine returns the line of the first alias *name in the input, or 1.
func (p *parser) aliasLine(name string) int {
	i := bytes.Index(p.data, []byte("*"+name))
	if i < 0 {
		return 1
	}
	line, _ := p.lines.lineAt(i)
	return line
}

// offsetPos returns the position of byte offset off.
func (p *parser) offsetPos(off int) diag.Pos {
	line, col := p.lines.lineAt(off)
	return p.pos(line, col)
}

// syntaxHint suggests a fix for the common YAML mistakes.
func (p *parser) syntaxHint(line int, problem string) string {
	text := p.lines.text(line)
	indent := text[:len(text)-len(strings.TrimLeft(text, " \t"))]
	switch {
	case strings.Contains(problem, "tab character") ||
		strings.Contains(problem, "cannot start any token") && strings.Contains(indent, "\t"):
		return "indent with spaces: YAML does not allow tabs for indentation"
	case strings.Contains(problem, "cannot start any token"):
		return "quote values that start with a reserved character such as @ or `"
	case strings.Contains(problem, "mapping values are not allowed"):
		return `quote values that contain ": " or end with ":", e.g. prefix: "user:"`
	case strings.HasPrefix(problem, "unknown anchor"):
		return "jsgen.yaml does not use anchors and aliases: write the value out"
	case strings.Contains(text, "[]") || strings.Contains(text, "{") && strings.Contains(text, "map["):
		return `quote type expressions that contain [ or ], e.g. "[]string"`
	}
	return ""
}
