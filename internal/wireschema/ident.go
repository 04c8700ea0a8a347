package wireschema

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// IdentifierPattern returns the pattern of a Ref identifier: one or more
// characters, none of which runtime.CheckIdentifier refuses — control
// characters (C0, DEL, C1), format characters (Unicode category Cf),
// whitespace (ASCII and Unicode White_Space), '.', '*' and '>'. The refused
// characters are written literally in a negated class (never as \x{...} or
// \u escapes), so the pattern means the same under RE2 and under ECMA-262
// with the u flag. The Unicode tables are those of the Go release that built
// jsgen, which are the ones CheckIdentifier uses.
//
// The pattern does not bound the length: CheckIdentifier bounds bytes, which
// JSON Schema cannot count (see the package documentation).
func IdentifierPattern() string { return identifierPattern() }

var identifierPattern = sync.OnceValue(func() string {
	var sb strings.Builder
	sb.WriteString("^[^")
	for lo := rune(0); lo <= unicode.MaxRune; lo++ {
		if !refusedInIdentifier(lo) {
			continue
		}
		hi := lo
		for hi+1 <= unicode.MaxRune && refusedInIdentifier(hi+1) {
			hi++
		}
		writeClassRune(&sb, lo)
		switch {
		case hi == lo+1:
			writeClassRune(&sb, hi)
		case hi > lo+1:
			sb.WriteByte('-')
			writeClassRune(&sb, hi)
		}
		lo = hi
	}
	sb.WriteString("]+$")
	return sb.String()
})

// refusedInIdentifier reports whether runtime.CheckIdentifier refuses the
// character r (which it sees as valid UTF-8; surrogates cannot occur).
func refusedInIdentifier(r rune) bool {
	if r >= 0xD800 && r <= 0xDFFF {
		return false // not encodable in UTF-8, so never in a decoded string
	}
	if r < utf8.RuneSelf {
		return r <= ' ' || r == 0x7f || r == '.' || r == '*' || r == '>'
	}
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.IsSpace(r)
}

// writeClassRune writes r literally inside a character class, escaping the
// characters that are special there in either dialect.
func writeClassRune(sb *strings.Builder, r rune) {
	switch r {
	case '\\', ']', '[', '^', '-':
		sb.WriteByte('\\')
	}
	sb.WriteRune(r)
}
