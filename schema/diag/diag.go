// Package diag holds positioned diagnostics: what jsgen reports about a user's
// declarations, as `file:line:col: message`, sorted and all at once.
package diag

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Pos is a position in a source file. Line and Col are 1-based; a zero Line
// means the position is unknown (only the file is printed). Col counts bytes.
type Pos struct {
	File string
	Line int
	Col  int
}

// String formats p as file:line:col, leaving out what is unknown.
func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	default:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	}
}

// IsValid reports whether p names a file.
func (p Pos) IsValid() bool { return p.File != "" }

// Compare orders positions by file, line and column.
func (p Pos) Compare(q Pos) int {
	return cmp.Or(strings.Compare(p.File, q.File), cmp.Compare(p.Line, q.Line), cmp.Compare(p.Col, q.Col))
}

// Diagnostic is one problem in a user's input.
type Diagnostic struct {
	Pos  Pos
	Msg  string
	Hint string // optional: how to fix it
}

// String formats d as `file:line:col: msg`, with the hint on an indented
// second line when there is one.
func (d Diagnostic) String() string {
	s := d.Pos.String() + ": " + d.Msg
	if d.Hint != "" {
		s += "\n\thint: " + d.Hint
	}
	return s
}

// List collects diagnostics. The zero value is ready to use.
type List []Diagnostic

// Add records a diagnostic at pos.
func (l *List) Add(pos Pos, format string, args ...any) {
	*l = append(*l, Diagnostic{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// AddHint records a diagnostic at pos with a hint saying how to fix it.
func (l *List) AddHint(pos Pos, hint, format string, args ...any) {
	*l = append(*l, Diagnostic{Pos: pos, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

// Sorted returns the diagnostics ordered by position then message, with
// exact duplicates removed.
func (l List) Sorted() List {
	out := slices.Clone(l)
	slices.SortStableFunc(out, func(a, b Diagnostic) int {
		return cmp.Or(a.Pos.Compare(b.Pos), strings.Compare(a.Msg, b.Msg))
	})
	return slices.Compact(out)
}

// Err returns nil when l is empty, and otherwise an *Error holding l sorted.
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	return &Error{List: l.Sorted()}
}

// String prints every diagnostic on its own line(s), sorted.
func (l List) String() string {
	var b strings.Builder
	for _, d := range l.Sorted() {
		b.WriteString(d.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Error is an error made of diagnostics about the user's input (as opposed to
// an internal failure). Use errors.As to tell the two apart.
type Error struct {
	List List
}

// Error prints all diagnostics, one per line, without a trailing newline.
func (e *Error) Error() string {
	return strings.TrimSuffix(e.List.String(), "\n")
}
