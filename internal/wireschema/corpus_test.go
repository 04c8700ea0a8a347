package wireschema

import (
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jsgen-dev/jsgen/runtime"
	"github.com/jsgen-dev/jsgen/schema/ir"
)

// This file generates the corpus of the differential test: JSON documents
// built from the IR's edge cases, each with the verdict it was built to get.

// verdict is what a corpus document was built to get.
type verdict int

const (
	accept verdict = iota
	reject
	either // depends on details the generator does not model (checked only for agreement)
)

func (v verdict) String() string { return [...]string{"accept", "reject", "either"}[v] }

// both combines the verdicts of two independent parts of one document.
func both(a, b verdict) verdict {
	switch {
	case a == reject || b == reject:
		return reject
	case a == either || b == either:
		return either
	}
	return accept
}

// A value is a JSON value under construction: obj, arr, string, num (a
// number as written), bool, nil, or raw (JSON text used verbatim).
type (
	obj    []member
	arr    []any
	num    string
	raw    string
	member struct {
		key    string
		rawKey string // if set, the key's JSON text, verbatim
		val    any
	}
)

// encode renders v as JSON text.
func encode(v any) []byte { return appendValue(nil, v) }

func appendValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case obj:
		b = append(b, '{')
		for i, m := range v {
			if i > 0 {
				b = append(b, ',')
			}
			if m.rawKey != "" {
				b = append(b, m.rawKey...)
			} else {
				b = runtime.AppendJSONString(b, m.key)
			}
			b = append(b, ':')
			b = appendValue(b, m.val)
		}
		return append(b, '}')
	case arr:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, e)
		}
		return append(b, ']')
	case string:
		return runtime.AppendJSONString(b, v)
	case num:
		return append(b, v...)
	case raw:
		return append(b, v...)
	case bool:
		return strconv.AppendBool(b, v)
	case nil:
		return append(b, "null"...)
	}
	panic(fmt.Sprintf("corpus: cannot encode %T", v))
}

// with returns o with the member key set to val (replaced in place, or
// appended).
func (o obj) with(key string, val any) obj {
	out := make(obj, 0, len(o)+1)
	found := false
	for _, m := range o {
		if m.key == key && m.rawKey == "" {
			m.val, found = val, true
		}
		out = append(out, m)
	}
	if !found {
		out = append(out, member{key: key, val: val})
	}
	return out
}

// without returns o without the member key.
func (o obj) without(key string) obj {
	out := make(obj, 0, len(o))
	for _, m := range o {
		if m.key != key {
			out = append(out, m)
		}
	}
	return out
}

// first returns o with the member key (set to val) moved to the front.
func (o obj) first(key string, val any) obj {
	return append(obj{{key: key, val: val}}, o.without(key)...)
}

// vcase is one value for a slot, with the verdict it gets there.
type vcase struct {
	label string
	val   any
	want  verdict
}

// wrongTypes are values of every JSON type but the one named.
func wrongTypes(except string) []vcase {
	all := []struct {
		kind string
		val  any
	}{{"null", nil}, {"boolean", true}, {"number", num("7")}, {"string", "7"}, {"array", arr{}}, {"object", obj{}}}
	var out []vcase
	for _, w := range all {
		if w.kind != except {
			out = append(out, vcase{"wrong type " + w.kind, w.val, reject})
		}
	}
	return out
}

// generator builds corpus cases from an IR.
type generator struct {
	prog     *ir.Program
	memberOf map[string][]variantOf
	maxDepth int // below this nesting depth, messages get only a few cases
}

func newGenerator(p *ir.Program) *generator {
	return &generator{prog: p, memberOf: memberships(p), maxDepth: 2}
}

// declCases returns the cases of a whole document of the model, message or
// union called name.
func (g *generator) declCases(name string) []vcase {
	var out []vcase
	switch {
	case g.prog.Model(name) != nil:
		out = g.objectCases(g.prog.Model(name).Fields, "", "", false, 0)
	case g.prog.Message(name) != nil:
		disc, tag := g.ownTag(name)
		out = g.objectCases(g.prog.Message(name).Fields, disc, tag, false, 0)
	case g.prog.Union(name) != nil:
		out = g.unionCases(g.prog.Union(name), 0)
	default:
		panic("corpus: unknown declaration " + name)
	}
	return out
}

func (g *generator) ownTag(msg string) (string, string) {
	if ms := g.memberOf[msg]; len(ms) == 1 {
		return ms[0].union.Discriminator, ms[0].tag
	}
	return "", ""
}

// base is the smallest valid object of fields: required members only, and
// the discriminator when required.
func (g *generator) base(fields []*ir.Field, disc, tag string, discRequired bool) obj {
	var o obj
	if disc != "" && discRequired {
		o = append(o, member{key: disc, val: tag})
	}
	for _, f := range fields {
		if !f.Optional {
			o = append(o, member{key: f.Name, val: g.valid(f.Type, &f.Constraints, true)})
		}
	}
	return o
}

// full is a valid object with every member set.
func (g *generator) full(fields []*ir.Field, disc, tag string) obj {
	var o obj
	if disc != "" {
		o = append(o, member{key: disc, val: tag})
	}
	for _, f := range fields {
		o = append(o, member{key: f.Name, val: g.valid(f.Type, &f.Constraints, true)})
	}
	return o
}

// objectCases returns the cases of an object with fields whose member disc
// (if any) must be tag, required when discRequired.
func (g *generator) objectCases(fields []*ir.Field, disc, tag string, discRequired bool, depth int) []vcase {
	base := g.base(fields, disc, tag, discRequired)
	out := []vcase{{"minimal", base, accept}}
	if depth >= g.maxDepth {
		out = append(out, vcase{"unknown member", base.with("zz", num("1")), reject})
		return append(out, wrongTypes("object")[:2]...)
	}
	out = append(out, vcase{"full", g.full(fields, disc, tag), accept})
	// The object with one member taking each of its cases; the others as
	// in the minimal object.
	for _, f := range fields {
		for _, c := range g.cases(f.Type, &f.Constraints, true, depth+1) {
			out = append(out, vcase{f.Name + ": " + c.label, base.with(f.Name, c.val), c.want})
		}
		if !f.Optional {
			out = append(out, vcase{f.Name + " missing", base.without(f.Name), reject})
		}
	}
	if disc != "" {
		out = append(out,
			vcase{disc + " present", base.first(disc, tag), accept},
			vcase{disc + " wrong tag", base.first(disc, tag+"x"), reject},
			vcase{disc + " upper-case tag", base.first(disc, strings.ToUpper(tag)), reject},
			vcase{disc + " not a string", base.first(disc, num("1")), reject},
			vcase{disc + " null", base.first(disc, nil), reject},
		)
		if discRequired {
			out = append(out, vcase{disc + " missing", base.without(disc), reject})
		} else {
			out = append(out, vcase{disc + " absent", base.without(disc), accept})
		}
	}
	out = append(out, vcase{"unknown member", base.with("zz", num("1")), reject})
	out = append(out, vcase{"unknown member null", base.with("zz", nil), reject})
	if len(fields) > 0 {
		f := fields[0]
		v := g.valid(f.Type, &f.Constraints, true)
		if up := strings.ToUpper(f.Name); up != f.Name {
			out = append(out, vcase{"member name in other case", base.without(f.Name).with(up, v), reject})
		}
		escaped := member{key: f.Name, rawKey: `"` + escapeAll(f.Name) + `"`, val: v}
		out = append(out, vcase{"member name escaped", append(base.without(f.Name), escaped), accept})
	}
	if disc == "" {
		out = append(out, vcase{"member type", base.with("type", "x"), reject})
	}
	return append(out, wrongTypes("object")...)
}

// unionCases returns the cases of a union value.
func (g *generator) unionCases(u *ir.Union, depth int) []vcase {
	var out []vcase
	for _, v := range u.Variants {
		m := g.prog.Message(v.Message)
		required := v.Tag != u.DefaultTag
		if depth >= g.maxDepth {
			out = append(out, vcase{v.Tag + ": minimal", g.base(m.Fields, u.Discriminator, v.Tag, true), accept})
			continue
		}
		for _, c := range g.objectCases(m.Fields, u.Discriminator, v.Tag, required, depth) {
			out = append(out, vcase{v.Tag + ": " + c.label, c.val, c.want})
		}
		// The variant's members under every other tag.
		for _, w := range u.Variants {
			if w.Tag != v.Tag {
				o := g.base(m.Fields, "", "", false).first(u.Discriminator, w.Tag)
				out = append(out, vcase{v.Tag + " members tagged " + w.Tag, o, either})
			}
		}
		if !required {
			continue
		}
		// Without the discriminator the default variant (if any) decodes it.
		want := reject
		if u.DefaultTag != "" {
			want = either
		}
		out = append(out, vcase{v.Tag + " without " + u.Discriminator, g.base(m.Fields, "", "", false), want})
	}
	out = append(out, vcase{"unknown tag", obj{{key: u.Discriminator, val: "zz"}}, reject})
	return out
}

// valid returns a valid value of type t.
func (g *generator) valid(t *ir.Type, c *ir.Constraints, outer bool) any {
	switch t.Kind {
	case ir.Array:
		n := 0
		if outer && c.MinItems != nil {
			n = *c.MinItems
		}
		a := arr{}
		for range n {
			a = append(a, g.valid(t.Elem, c, false))
		}
		return a
	case ir.Map:
		return obj{}
	case ir.MessageK:
		disc, tag := g.ownTag(t.Name)
		return g.base(g.prog.Message(t.Name).Fields, disc, tag, false)
	case ir.UnionK:
		u := g.prog.Union(t.Name)
		v := u.Variants[0]
		return g.base(g.prog.Message(v.Message).Fields, u.Discriminator, v.Tag, true)
	}
	for _, c := range g.cases(t, c, outer, g.maxDepth) {
		if c.want == accept {
			return c.val
		}
	}
	panic(fmt.Sprintf("corpus: no valid value of %s", t))
}

// cases returns the cases of a value of type t at nesting depth.
func (g *generator) cases(t *ir.Type, c *ir.Constraints, outer bool, depth int) []vcase {
	switch t.Kind {
	case ir.String:
		return append(stringCases(c), wrongTypes("string")...)
	case ir.Bool:
		return append([]vcase{{"true", true, accept}, {"false", false, accept}, {"string true", "true", reject}}, wrongTypes("boolean")...)
	case ir.Int, ir.Int64:
		return append(integerCases(c.Min, c.Max), wrongTypes("number")...)
	case ir.Timestamp:
		cs := integerCases(nil, nil)
		cs = append(cs, vcase{"RFC 3339 string", "2024-01-01T00:00:00Z", reject}, vcase{"now", num("1700000000000"), accept})
		return append(cs, wrongTypes("number")...)
	case ir.Float64:
		return append(floatCases(c), wrongTypes("number")...)
	case ir.EnumKind:
		return append(g.enumCases(t.Name), wrongTypes("string")...)
	case ir.Ref:
		return append(refCases(g.prog.Model(t.Name).IDMaxLength), wrongTypes("string")...)
	case ir.Array:
		return g.arrayCases(t, c, outer, depth)
	case ir.Map:
		return g.mapCases(t, c, depth)
	case ir.MessageK:
		disc, tag := g.ownTag(t.Name)
		return g.objectCases(g.prog.Message(t.Name).Fields, disc, tag, false, depth)
	case ir.UnionK:
		return append(g.unionCases(g.prog.Union(t.Name), depth), wrongTypes("object")...)
	}
	panic("corpus: unknown kind " + string(t.Kind))
}

func (g *generator) enumCases(name string) []vcase {
	e := g.prog.Enum(name)
	var out []vcase
	for _, v := range e.Values {
		out = append(out, vcase{"value " + v, v, accept})
	}
	return append(out,
		vcase{"value with a suffix", e.Values[0] + "x", reject},
		vcase{"upper-case value", strings.ToUpper(e.Values[0]), reject},
		vcase{"empty string", "", reject},
	)
}

func (g *generator) arrayCases(t *ir.Type, c *ir.Constraints, outer bool, depth int) []vcase {
	lo, hi := 0, -1
	if outer {
		if c.MinItems != nil {
			lo = *c.MinItems
		}
		if c.MaxItems != nil {
			hi = *c.MaxItems
		}
	}
	inRange := func(n int) verdict {
		if n < lo || hi >= 0 && n > hi {
			return reject
		}
		return accept
	}
	elem := g.valid(t.Elem, c, false)
	filled := func(n int) arr {
		a := arr{}
		for range n {
			a = append(a, elem)
		}
		return a
	}
	var out []vcase
	counts := []int{0, 1, lo - 1, lo, lo + 1}
	if hi >= 0 {
		counts = append(counts, hi-1, hi, hi+1)
	}
	seen := map[int]bool{}
	for _, n := range counts {
		if n < 0 || seen[n] {
			continue
		}
		seen[n] = true
		out = append(out, vcase{fmt.Sprintf("%d items", n), filled(n), inRange(n)})
	}
	// One element taking each of its cases, at the last index of the
	// smallest non-empty array of valid length.
	n := max(lo, 1)
	for _, ec := range g.cases(t.Elem, c, false, depth) {
		a := filled(n - 1)
		a = append(a, ec.val)
		out = append(out, vcase{fmt.Sprintf("[%d] %s", n-1, ec.label), a, both(inRange(n), ec.want)})
	}
	return append(out, wrongTypes("array")...)
}

func (g *generator) mapCases(t *ir.Type, c *ir.Constraints, depth int) []vcase {
	elem := g.valid(t.Elem, c, false)
	out := []vcase{
		{"empty map", obj{}, accept},
		{"two entries", obj{{key: "a", val: elem}, {key: "é 😀", val: elem}}, accept},
		{"empty key", obj{{key: "", val: elem}}, accept},
	}
	for _, ec := range g.cases(t.Elem, c, false, depth) {
		out = append(out, vcase{"[k] " + ec.label, obj{{key: "a", val: elem}, {key: "k", val: ec.val}}, ec.want})
	}
	return append(out, wrongTypes("object")...)
}

// stringCases returns strings on, just inside and just outside the length
// bounds, in 1-, 2- and 4-byte characters, matching the pattern where there
// is one, then strings of valid length that do not match it.
func stringCases(c *ir.Constraints) []vcase {
	lo, hi := 0, -1
	if c.MinLength != nil {
		lo = *c.MinLength
	}
	if c.MaxLength != nil {
		hi = *c.MaxLength
	}
	var re *regexp.Regexp
	if c.Pattern != "" {
		re = regexp.MustCompile(c.Pattern)
	}
	lengthOK := func(n int) verdict {
		if n < lo || hi >= 0 && n > hi {
			return reject
		}
		return accept
	}
	lengths := []int{0, 1, 2, 3, 10, lo - 1, lo, lo + 1}
	if hi >= 0 {
		lengths = append(lengths, hi-1, hi, hi+1)
	} else {
		lengths = append(lengths, 300)
	}
	var out []vcase
	seen := map[string]bool{}
	add := func(label string, s string, want verdict) {
		if !seen[s] {
			seen[s] = true
			out = append(out, vcase{label, s, want})
		}
	}
	for _, n := range lengths {
		if n < 0 {
			continue
		}
		for _, filler := range []string{"a", "é", "😀"} {
			s, ok := fill(n, filler, re)
			if !ok && lengthOK(n) == reject {
				// Refused for its length whatever the pattern says.
				s, ok = fill(n, filler, nil)
			}
			if ok {
				add(fmt.Sprintf("%d× %q", n, filler), s, lengthOK(n))
			}
		}
	}
	var first string
	for _, c := range out {
		if c.want == accept {
			first = c.val.(string)
			break
		}
	}
	if first != "" {
		out = append(out, vcase{"written with \\u escapes", raw(`"` + escapeAll(first) + `"`), accept})
	}
	if re != nil {
		n := 0
		for _, s := range []string{"A B", "<>", "ftp://x", "UPPER", "x", "-", "a/b/c", "é"} {
			if !re.MatchString(s) && lengthOK(utf8.RuneCountInString(s)) == accept {
				add("not matching "+strconv.Quote(s), s, reject)
				if n++; n == 3 {
					break
				}
			}
		}
	}
	return out
}

// fill returns a string of n characters, made of filler after one of a few
// prefixes, that matches re (if not nil).
func fill(n int, filler string, re *regexp.Regexp) (string, bool) {
	for _, prefix := range []string{"", "https://", "http://", "a/"} {
		p := utf8.RuneCountInString(prefix)
		if p > n {
			continue
		}
		s := prefix + strings.Repeat(filler, n-p)
		if re == nil || re.MatchString(s) {
			return s, true
		}
	}
	return "", false
}

// escapeAll writes every character of s as a JSON \u escape.
func escapeAll(s string) string {
	var sb strings.Builder
	for _, r := range s {
		if r > 0xFFFF {
			r1, r2 := utf16Pair(r)
			fmt.Fprintf(&sb, `\u%04x\u%04x`, r1, r2)
			continue
		}
		fmt.Fprintf(&sb, `\u%04x`, r)
	}
	return sb.String()
}

func utf16Pair(r rune) (rune, rune) {
	r -= 0x10000
	return 0xD800 + (r>>10)&0x3FF, 0xDC00 + r&0x3FF
}

var (
	bigMinInt64 = new(big.Int).SetInt64(-1 << 63)
	bigMaxInt64 = new(big.Int).SetUint64(1<<63 - 1)
)

// integerCases returns integers on and around the bounds (the int64 range
// where unset), in several notations, and non-integers.
func integerCases(minN, maxN *json.Number) []vcase {
	lo, hi := new(big.Int).Set(bigMinInt64), new(big.Int).Set(bigMaxInt64)
	if minN != nil {
		lo.SetString(minN.String(), 10)
	}
	if maxN != nil {
		hi.SetString(maxN.String(), 10)
	}
	in := func(v *big.Int) verdict {
		if v.Cmp(lo) < 0 || v.Cmp(hi) > 0 {
			return reject
		}
		return accept
	}
	one := big.NewInt(1)
	var out []vcase
	for _, v := range []*big.Int{
		new(big.Int).Sub(lo, one), lo, new(big.Int).Add(lo, one),
		new(big.Int).Sub(hi, one), hi, new(big.Int).Add(hi, one), big.NewInt(0),
	} {
		out = append(out, vcase{v.String(), num(v.String()), in(v)})
	}
	mid := new(big.Int).Add(lo, hi)
	mid.Rsh(mid, 1)
	ten := big.NewInt(10)
	return append(out,
		vcase{"lo written with .0", num(lo.String() + ".0"), accept},
		vcase{"hi written with an exponent", num(hi.String() + "e0"), accept},
		vcase{"10 written 1E1", num("1E1"), in(ten)},
		vcase{"10 written 100e-1", num("100e-1"), in(ten)},
		vcase{"-0", num("-0"), in(new(big.Int))},
		vcase{"mid + 0.5", num(mid.String() + ".5"), reject},
		vcase{"1e400", num("1e400"), reject},
		vcase{"-1e400", num("-1e400"), reject},
		vcase{"1e-400", num("1e-400"), reject},
		vcase{"string of digits", "1", reject},
	)
}

// floatCases returns numbers on and around the bounds (the limits of a
// finite float64 where unset), and inside.
func floatCases(c *ir.Constraints) []vcase {
	var out []vcase
	if c.Min != nil {
		m := c.Min.String()
		out = append(out, vcase{"min", num(m), accept}, vcase{"min - 0.001", num(addDecimal(m, "-0.001")), reject})
	} else {
		out = append(out,
			vcase{"-MaxFloat64", num("-1.7976931348623157e308"), accept},
			vcase{"-(limit - 1)", num("-" + subOne(floatLimit)), accept},
			vcase{"-limit", num("-" + floatLimit), reject},
			vcase{"-1e309", num("-1e309"), reject},
		)
	}
	if c.Max != nil {
		m := c.Max.String()
		out = append(out, vcase{"max", num(m), accept}, vcase{"max + 0.001", num(addDecimal(m, "0.001")), reject})
	} else {
		out = append(out,
			vcase{"MaxFloat64", num("1.7976931348623157e308"), accept},
			vcase{"limit - 1", num(subOne(floatLimit)), accept},
			vcase{"limit", num(floatLimit), reject},
			vcase{"1e309", num("1e309"), reject},
		)
	}
	lo, hi := bound(c.Min, "-1e308"), bound(c.Max, "1e308")
	mid := new(big.Rat).Add(lo, hi)
	mid.Quo(mid, big.NewRat(2, 1))
	out = append(out,
		vcase{"midpoint", num(mid.FloatString(6)), accept},
		vcase{"midpoint with an exponent", num(mid.FloatString(6) + "e0"), accept},
	)
	if lo.Sign() <= 0 && hi.Sign() >= 0 {
		out = append(out, vcase{"-0", num("-0"), accept}, vcase{"1e-400 (rounds to 0)", num("1e-400"), accept})
	}
	return out
}

func bound(n *json.Number, dflt string) *big.Rat {
	s := dflt
	if n != nil {
		s = n.String()
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic("corpus: bad number " + s)
	}
	return r
}

// addDecimal returns a + b exactly, as a decimal.
func addDecimal(a, b string) string {
	x, _ := new(big.Rat).SetString(a)
	y, _ := new(big.Rat).SetString(b)
	return x.Add(x, y).FloatString(6)
}

func subOne(s string) string {
	x, _ := new(big.Int).SetString(s, 10)
	return x.Sub(x, big.NewInt(1)).String()
}

// refCases returns identifiers around the length bound (in ASCII and in
// multi-byte characters that stay within the byte bound) and identifiers
// with each kind of refused character.
func refCases(maxLen int) []vcase {
	out := []vcase{
		{"one character", "r", accept},
		{"empty", "", reject},
		{"at the bound", strings.Repeat("r", maxLen), accept},
		{"over the bound", strings.Repeat("r", maxLen+1), reject},
	}
	if maxLen >= 4 {
		out = append(out,
			vcase{"2-byte characters at the byte bound", strings.Repeat("é", maxLen/2), accept},
			vcase{"4-byte characters at the byte bound", strings.Repeat("😀", maxLen/4), accept},
		)
	}
	// Within the byte bound: cut on a character boundary.
	for _, s := range []string{"a<b/c:d-e_f@g#h", "Zürich-東京"} {
		for len(s) > maxLen {
			_, size := utf8.DecodeLastRuneInString(s)
			s = s[:len(s)-size]
		}
		out = append(out, vcase{"allowed characters " + strconv.Quote(s), s, accept})
	}
	for _, bad := range []string{".", "*", ">", " ", "\t", "\n", "\x00", "\x1f", "\x7f", "\u0085", "\u009f", "\u00a0", "\u00ad", "\u061c", "\u1680", "\u200b", "\u2028", "\u202f", "\u3000", "\ufeff", "\U000e0001", "\U0001d173"} {
		out = append(out, vcase{fmt.Sprintf("containing %U", []rune(bad)[0]), "a" + bad + "b", reject})
	}
	for _, ok := range []string{"\u00a1", "\u0301", "\u2010", "\U0001f600", "\ufffd"} {
		out = append(out, vcase{fmt.Sprintf("containing %U", []rune(ok)[0]), "a" + ok + "b", accept})
	}
	return out
}
