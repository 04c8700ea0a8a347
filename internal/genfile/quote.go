package genfile

import "strings"

// Quote writes s as a double-quoted string literal of JSON, TypeScript or
// YAML, which share this form: '"' and '\\' are escaped with a backslash,
// a newline is \n and a tab \t, and every other rune is written as itself
// unless escape returns the escape sequence the language writes it with
// (escape returns "" to keep the rune literal). escape sees the runes of s
// as a range loop yields them, so invalid UTF-8 arrives as
// utf8.RuneError.
func Quote(s string, escape func(r rune) string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if e := escape(r); e != "" {
				b.WriteString(e)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
