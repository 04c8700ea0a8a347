package jsonx

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// Pattern is a compiled RE2 pattern, unanchored as in JSON Schema, that
// generated validators use for the pattern constraint. It matches exactly
// as regexp does, but recognises two common shapes and matches them without
// the regexp engine:
//
//   - a whole string of class characters, where the class is a set of
//     ASCII characters, such as ^[a-z0-9-]+$, or everything but a set of
//     ASCII characters, such as ^[^<>]+$;
//   - a literal prefix, such as ^https://.
//
// A Pattern is immutable and safe for concurrent use.
type Pattern struct {
	re *regexp.Regexp

	kind     patternKind
	set      [2]uint64 // classOnly: the ASCII bytes allowed
	nonASCII bool      // classOnly: every non-ASCII rune is allowed too
	minLen   int       // classOnly: 0 for *, 1 for +
	prefix   string    // literalPrefix
}

type patternKind int

const (
	general patternKind = iota
	classOnly
	literalPrefix
)

// MustCompilePattern compiles expr (RE2 syntax) and panics if it is invalid;
// generated code only passes patterns the generator already checked.
func MustCompilePattern(expr string) *Pattern {
	p := &Pattern{re: regexp.MustCompile(expr)}
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return p
	}
	re = re.Simplify()
	if re.Op != syntax.OpConcat || len(re.Sub) < 2 || re.Sub[0].Op != syntax.OpBeginText {
		return p
	}
	switch sub := re.Sub; {
	case len(sub) == 3 && sub[2].Op == syntax.OpEndText && (sub[1].Op == syntax.OpPlus || sub[1].Op == syntax.OpStar):
		if set, nonASCII, ok := asciiSet(sub[1].Sub[0]); ok {
			p.kind, p.set, p.nonASCII = classOnly, set, nonASCII
			if sub[1].Op == syntax.OpPlus {
				p.minLen = 1
			}
		}
	case len(sub) == 2 && sub[1].Op == syntax.OpLiteral && sub[1].Flags&syntax.FoldCase == 0:
		lit := string(sub[1].Rune)
		if !strings.ContainsRune(lit, utf8.RuneError) {
			p.kind, p.prefix = literalPrefix, lit
		}
	}
	return p
}

// asciiSet returns the ASCII bytes matched by a character class or literal
// character, and whether it matches every non-ASCII rune as well. ok is
// false for classes that match only some non-ASCII runes.
func asciiSet(re *syntax.Regexp) (set [2]uint64, nonASCII, ok bool) {
	var ranges []rune
	switch {
	case re.Op == syntax.OpCharClass:
		ranges = re.Rune
	case re.Op == syntax.OpLiteral && len(re.Rune) == 1 && re.Flags&syntax.FoldCase == 0:
		ranges = []rune{re.Rune[0], re.Rune[0]}
	default:
		return set, false, false
	}
	for i := 0; i+1 < len(ranges); i += 2 {
		lo, hi := ranges[i], ranges[i+1]
		switch {
		case lo < 0:
			return set, false, false
		case hi >= utf8.RuneSelf:
			// Only "all of U+0080 to U+10FFFF" is handled (ranges are
			// sorted and do not touch, so this is the last one).
			if hi != utf8.MaxRune || lo > utf8.RuneSelf {
				return set, false, false
			}
			nonASCII = true
			hi = utf8.RuneSelf - 1
		}
		for c := lo; c <= hi; c++ {
			set[c>>6] |= 1 << (c & 63)
		}
	}
	return set, nonASCII, true
}

// MatchString reports whether s contains a match of the pattern.
func (p *Pattern) MatchString(s string) bool {
	switch p.kind {
	case classOnly:
		if len(s) < p.minLen {
			return false
		}
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c >= utf8.RuneSelf {
				// Any rune, even an invalid byte (read as U+FFFD), matches.
				if !p.nonASCII {
					return false
				}
				continue
			}
			if p.set[c>>6]&(1<<(c&63)) == 0 {
				return false
			}
		}
		return true
	case literalPrefix:
		return strings.HasPrefix(s, p.prefix)
	}
	return p.re.MatchString(s)
}

// String returns the source text of the pattern.
func (p *Pattern) String() string { return p.re.String() }
