package jsonx

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

func TestValid(t *testing.T) {
	accept := []string{
		`0`, `-0`, `1`, `-1`, `1.5`, `1e5`, `1E+5`, `1e-5`, `0.0`, `-0.5e-10`, `123456789012345678901234567890`,
		`""`, `"a"`, `"\"\\\/\b\f\n\r\t"`, `"\u0041"`, `"\u00e9"`, `"\ud83d\ude00"`, `"é😀"`, `"\u0000"`,
		`true`, `false`, `null`, `[]`, `{}`, ` [ 1 , 2 ] `, `{"a":1,"b":[true,null,{"c":"d"}]}`,
		"\t\n\r {\"a\" : 1 } \n", `{"a":1,"a":2}`, strings.Repeat("[", 64) + strings.Repeat("]", 64),
	}
	reject := []string{
		``, ` `, `01`, `-01`, `00`, `1.`, `.5`, `-`, `+1`, `1e`, `1e+`, `0x10`, `NaN`, `Infinity`, `-Infinity`,
		`"abc`, `"a` + "\x01" + `"`, "\"\t\"", `"\x"`, `"\u12"`, `"\u12G4"`, `"\ud83d"`, `"\ude00"`,
		`"\ud83d\u0041"`, `"\ud83dx"`, "\"\xff\"", "\"\xc3\"", "\"\xed\xa0\x80\"", "\"\xc0\xaf\"",
		`tru`, `truex`, `nul`, `[1,]`, `[,1]`, `[1 2]`, `{"a":1,}`, `{"a"}`, `{"a" 1}`, `{a:1}`, `{,}`,
		`{"a":1}}`, `[1]]`, `1 2`, `{} x`, `[`, `{`, `{"a":`, `'a'`, "\x00", `"a"` + "\x00",
		strings.Repeat("[", 65) + strings.Repeat("]", 65), strings.Repeat("[", 100000),
		strings.Repeat(`{"a":`, 100000),
	}
	for _, s := range accept {
		if err := Check([]byte(s)); err != nil {
			t.Errorf("Check(%q) = %v, want nil", s, err)
		}
	}
	for _, s := range reject {
		err := Check([]byte(s))
		var e *jsgenrt.Error
		if !errors.As(err, &e) || e.Code != jsgenrt.CodeInvalidJSON {
			t.Errorf("Check(%.40q) = %v, want a %s error", s, err, jsgenrt.CodeInvalidJSON)
		}
	}
}

func TestSyntaxErrorOffsetAndPath(t *testing.T) {
	var r Reader
	r.Reset([]byte(`{"items":[1, 2x]}`))
	root := (*Path)(nil)
	if !r.Object(root) {
		t.Fatal("Object failed")
	}
	key, _ := r.Key(root)
	fp := Path{Key: string(key)}
	if !r.Array(&fp) {
		t.Fatal("Array failed")
	}
	for i := 0; r.More(&fp); i++ {
		ip := Path{Parent: &fp, Index: i, IsIndex: true}
		r.Int(&ip)
	}
	if got := r.SyntaxOffset(); got != 14 {
		t.Errorf("SyntaxOffset = %d, want 14", got)
	}
	err := r.Err().(*jsgenrt.Error)
	if err.Code != jsgenrt.CodeInvalidJSON || err.Errors[0].Path != "items" || !strings.Contains(err.Errors[0].Message, "(at byte 14)") {
		t.Errorf("Err = %+v", err)
	}
}

func TestStrings(t *testing.T) {
	cases := map[string]string{
		`""`:               "",
		`"abc"`:            "abc",
		`"a\"b\\c\/d"`:     `a"b\c/d`,
		`"\b\f\n\r\t"`:     "\b\f\n\r\t",
		`"\u0041\u00e9"`:   "Aé",
		`"\ud83d\ude00!"`:  "😀!",
		`"x\uD83D\uDE00y"`: "x😀y",
		`"é😀"`:             "é😀",
		`"\u2028"`:         "\u2028",
		`"\u0000"`:         "\x00",
	}
	for in, want := range cases {
		var r Reader
		r.Reset([]byte(in))
		got := r.String(nil)
		r.End()
		if err := r.Err(); err != nil || got != want {
			t.Errorf("String(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestKeysUnescaped(t *testing.T) {
	var r Reader
	r.Reset([]byte(`{"a\u0062":1,"c":2}`))
	r.Object(nil)
	var keys []string
	for {
		k, ok := r.Key(nil)
		if !ok {
			break
		}
		keys = append(keys, string(k))
		r.Skip(nil)
	}
	r.End()
	if r.Err() != nil || strings.Join(keys, ",") != "ab,c" {
		t.Errorf("keys = %v, err = %v", keys, r.Err())
	}
}

func TestInts(t *testing.T) {
	ok := map[string]int64{
		`0`: 0, `-0`: 0, `7`: 7, `-7`: -7, `1.0`: 1, `1e3`: 1000, `1E+3`: 1000, `2.50e1`: 25, `0.0001e4`: 1,
		`100e-2`: 1, `0.0`: 0, `-0.0e-5`: 0, `0e99999999999999999999`: 0,
		`9223372036854775807`: math.MaxInt64, `-9223372036854775808`: math.MinInt64,
		`922337203685477580.7e1`: math.MaxInt64, `123456789012345678`: 123456789012345678,
		`1234567890123456789`: 1234567890123456789, `-9.223372036854775808e18`: math.MinInt64,
	}
	for in, want := range ok {
		var r Reader
		r.Reset([]byte(in))
		got := r.Int64(nil)
		if err := r.Err(); err != nil || got != want {
			t.Errorf("Int64(%s) = %d, %v; want %d", in, got, err, want)
		}
	}
	bad := map[string]string{
		`1.5`: "not an integer", `1e-1`: "not an integer", `0.1e1e`: "", `12.34e1`: "not an integer",
		`9223372036854775808`: "out of range", `-9223372036854775809`: "out of range", `1e19`: "out of range",
		`1e99999999999999999999`: "out of range", `18446744073709551616`: "out of range",
		`99999999999999999999999`: "out of range", `"1"`: "want integer, got string", `true`: "want integer, got boolean",
	}
	for in, want := range bad {
		var r Reader
		r.Reset([]byte(in))
		r.Int64(nil)
		r.End()
		err := r.Err()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Int64(%s): err = %v, want it to mention %q", in, err, want)
		}
	}
}

func TestFloatsAndTimestamps(t *testing.T) {
	var r Reader
	r.Reset([]byte(`[1.5, -2e-3, 1e400, 1700000000123, "x"]`))
	r.Array(nil)
	var got []float64
	i := 0
	for r.More(nil) {
		p := Path{Index: i, IsIndex: true}
		if i == 3 {
			ts := r.Timestamp(&p)
			if ts.UnixMilli() != 1700000000123 || ts.Location() != time.UTC {
				t.Errorf("Timestamp = %v", ts)
			}
		} else {
			got = append(got, r.Float64(&p))
		}
		i++
	}
	r.End()
	if got[0] != 1.5 || got[1] != -2e-3 {
		t.Errorf("floats = %v", got)
	}
	e := r.Err().(*jsgenrt.Error)
	if e.Code != jsgenrt.CodeInvalidMessage || len(e.Errors) != 2 ||
		e.Errors[0].Path != "[2]" || !strings.Contains(e.Errors[0].Message, "out of range") ||
		e.Errors[1].Path != "[4]" || e.Errors[1].Message != "want number, got string" {
		t.Errorf("Err = %v", e)
	}
}

func TestShapeErrorsKeepReading(t *testing.T) {
	var r Reader
	r.Reset([]byte(`{"Content": {"x":[1]}, "n": "nope", "n": 2, "ok": true}`))
	r.Object(nil)
	seenN := false
	for {
		k, ok := r.Key(nil)
		if !ok {
			break
		}
		switch string(k) {
		case "n":
			if seenN {
				r.SkipDuplicate(nil, "n")
				continue
			}
			seenN = true
			p := Path{Key: "n"}
			r.Int(&p)
		case "ok":
			p := Path{Key: "ok"}
			if !r.Bool(&p) {
				t.Error("ok = false")
			}
		default:
			r.SkipUnknown(nil, k, "content", "n", "ok")
		}
	}
	r.Missing(nil, "id")
	r.End()
	e := r.Err().(*jsgenrt.Error)
	want := []jsgenrt.FieldError{
		{Path: "Content", Message: `unknown field (did you mean "content"?)`},
		{Path: "n", Message: "want integer, got string"},
		{Path: "n", Message: "duplicate field"},
		{Path: "id", Message: "required field is missing"},
	}
	if e.Code != jsgenrt.CodeInvalidMessage || len(e.Errors) != len(want) {
		t.Fatalf("Err = %v", e)
	}
	for i := range want {
		if e.Errors[i] != want[i] {
			t.Errorf("error %d = %+v, want %+v", i, e.Errors[i], want[i])
		}
	}
}

func TestMaxErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range MaxErrors + 50 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"x`)
		b.WriteString(strings.Repeat("a", i%7))
		b.WriteString(`":1`)
	}
	b.WriteString("}")
	var r Reader
	r.Reset([]byte(b.String()))
	r.Object(nil)
	for {
		k, ok := r.Key(nil)
		if !ok {
			break
		}
		r.SkipUnknown(nil, k)
	}
	r.End()
	if e := r.Err().(*jsgenrt.Error); len(e.Errors) != MaxErrors+1 {
		t.Errorf("%d errors, want %d", len(e.Errors), MaxErrors+1)
	}
}

func TestDiscriminator(t *testing.T) {
	cases := []struct {
		in           string
		tag          string
		found, ok    bool
		errSubstring string
	}{
		{`{"type":"join","a":1}`, "join", true, true, ""},
		{`{"a":{"type":"x"},"type":"le\u0061ve"}`, "leave", true, true, ""},
		{`{"a":1}`, "", false, true, ""},
		{`{"type":1}`, "", false, false, "type: want string, got number"},
		{`[1]`, "", false, false, "want object, got array"},
		{`{"a":1,,}`, "", false, false, "invalid JSON"},
	}
	for _, c := range cases {
		var r Reader
		r.Reset([]byte(c.in))
		tag, found, ok := r.Discriminator(nil, "type")
		if string(tag) != c.tag || found != c.found || ok != c.ok {
			t.Errorf("%s: Discriminator = %q, %v, %v", c.in, tag, found, ok)
		}
		if ok {
			if r.Offset() != 0 {
				t.Errorf("%s: Discriminator consumed input", c.in)
			}
			r.Skip(nil)
		}
		r.End()
		err := r.Err()
		if c.errSubstring == "" && err != nil || c.errSubstring != "" && (err == nil || !strings.Contains(err.Error(), c.errSubstring)) {
			t.Errorf("%s: err = %v, want %q", c.in, err, c.errSubstring)
		}
	}
}

func TestReadRef(t *testing.T) {
	type Room struct{}
	ctor := func(s string) (jsgenrt.Ref[Room], error) { return jsgenrt.NewRef[Room]("Room", s, 8) }
	var r Reader
	r.Reset([]byte(`["lobby", "a.b", "waytoolongid", 5]`))
	r.Array(nil)
	var refs []jsgenrt.Ref[Room]
	for i := 0; r.More(nil); i++ {
		p := Path{Index: i, IsIndex: true}
		refs = append(refs, ReadRef(&r, &p, ctor))
	}
	r.End()
	if refs[0].ID() != "lobby" || !refs[1].IsZero() || !refs[2].IsZero() {
		t.Errorf("refs = %v", refs)
	}
	e := r.Err().(*jsgenrt.Error)
	if len(e.Errors) != 3 || e.Errors[0].Path != "[1]" || !strings.Contains(e.Errors[0].Message, "invalid Room identifier") ||
		e.Errors[2].Message != "want string (an identifier), got number" {
		t.Errorf("Err = %v", e)
	}
}

func TestPathString(t *testing.T) {
	items := Path{Key: "items"}
	two := Path{Parent: &items, Index: 2, IsIndex: true}
	name := Path{Parent: &two, Key: "name"}
	labels := Path{Key: "labels"}
	odd := Path{Parent: &labels, Key: "a.b"}
	cases := map[string]string{
		name.String():           "items[2].name",
		two.Child("name"):       "items[2].name",
		items.Elem(0):           "items[0]",
		odd.String():            `labels["a.b"]`,
		(*Path)(nil).String():   "",
		(*Path)(nil).Child("x"): "x",
		(*Path)(nil).Elem(3):    "[3]",
		labels.Child(""):        `labels[""]`,
	}
	for got, want := range cases {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func TestValidTime(t *testing.T) {
	if !ValidTime(time.UnixMilli(math.MinInt64)) || !ValidTime(time.UnixMilli(math.MaxInt64)) || !ValidTime(time.Time{}) {
		t.Error("times at the int64 bounds should be valid")
	}
	if ValidTime(time.UnixMilli(math.MinInt64).Add(-time.Millisecond)) || ValidTime(time.UnixMilli(math.MaxInt64).Add(time.Millisecond)) {
		t.Error("times beyond the int64 bounds should be invalid")
	}
}

// TestResetBorrowingAliasesPlainStrings checks that a borrowing Reader
// returns strings without escapes as views of its input (no allocation)
// and still copies unescaped ones, which live in reused scratch space.
func TestResetBorrowingAliasesPlainStrings(t *testing.T) {
	data := []byte(`["plain","esc\u0041ped","also plain"]`)
	read := func(r *Reader) []string {
		var out []string
		if r.Array(nil) {
			for r.More(nil) {
				out = append(out, r.String(nil))
			}
		}
		r.End()
		return out
	}
	var r Reader
	r.ResetBorrowing(data)
	got := read(&r)
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if want := []string{"plain", "escAped", "also plain"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	within := func(s string) bool {
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		base := uintptr(unsafe.Pointer(&data[0]))
		return p >= base && p < base+uintptr(len(data))
	}
	if !within(got[0]) || !within(got[2]) {
		t.Error("plain strings were copied; want views of the input")
	}
	if within(got[1]) {
		t.Error("an unescaped string aliases the input")
	}
	r.Reset(data)
	if got := read(&r); within(got[0]) {
		t.Error("Reset (not borrowing) returned a view of the input")
	}
	allocs := testing.AllocsPerRun(100, func() {
		var r Reader
		r.ResetBorrowing(data[:8]) // ["plain"
		_ = r.Array(nil) && r.More(nil) && r.String(nil) != ""
	})
	if allocs != 0 {
		t.Errorf("borrowing read allocated %.0f times, want 0", allocs)
	}
}
