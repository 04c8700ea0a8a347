package jsonx

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// problems lists err's violations as "path: message" after checking its
// code.
func problems(t *testing.T, err error, code string) []string {
	t.Helper()
	var e *jsgenrt.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want a *jsgenrt.Error", err)
	}
	if e.Code != code {
		t.Errorf("code = %s, want %s", e.Code, code)
	}
	var out []string
	for _, fe := range e.Errors {
		out = append(out, fe.Path+": "+fe.Message)
	}
	return out
}

// readItems reads {"items":[{"id":..}, ...], "labels":{...}} the way a
// generated decoder does, refusing members other than id in an item.
func readItems(r *Reader) {
	r.Object(nil)
	for {
		k, ok := r.Key(nil)
		if !ok {
			return
		}
		switch string(k) {
		case "items":
			ip := Path{Key: "items"}
			r.Array(&ip)
			for i := 0; r.More(&ip); i++ {
				ep := Path{Parent: &ip, Index: i, IsIndex: true}
				r.Object(&ep)
				seen := false
				for {
					k, ok := r.Key(&ep)
					if !ok {
						break
					}
					switch string(k) {
					case "id":
						if seen {
							r.SkipDuplicate(&ep, "id")
							continue
						}
						seen = true
						idp := Path{Parent: &ep, Key: "id"}
						r.Int(&idp)
					default:
						r.SkipUnknown(&ep, k, "id")
					}
				}
			}
		case "labels":
			lp := Path{Key: "labels"}
			r.Object(&lp)
			seen := map[string]bool{}
			for {
				k, ok := r.Key(&lp)
				if !ok {
					break
				}
				key := string(k)
				if seen[key] {
					r.SkipDuplicate(&lp, key)
					continue
				}
				seen[key] = true
				r.Skip(&lp)
			}
		default:
			r.SkipUnknown(nil, k, "items", "labels")
		}
	}
}

func TestUnknownAndDuplicateAtMemberPath(t *testing.T) {
	var r Reader
	r.Reset([]byte(`{"extra":1,"items":[{"id":1},{"id":2},{"id":3,"foo":{"a":[1]},"ID":4,"id":5}],` +
		`"labels":{"a":1,"a.b":2,"a":3,"a.b":4},"Items":[]}`))
	readItems(&r)
	r.End()
	got := problems(t, r.Err(), jsgenrt.CodeInvalidMessage)
	want := []string{
		"extra: unknown field",
		"items[2].foo: unknown field",
		`items[2].ID: unknown field (did you mean "id"?)`,
		"items[2].id: duplicate field",
		"labels.a: duplicate field",
		`labels["a.b"]: duplicate field`,
		`Items: unknown field (did you mean "items"?)`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n got %q\nwant %q", got, want)
	}
}

func TestSyntaxFailureInsideSkippedMember(t *testing.T) {
	var r Reader
	r.Reset([]byte(`{"items":[{"id":1,"foo":[1,}]}`))
	readItems(&r)
	r.End()
	got := problems(t, r.Err(), jsgenrt.CodeInvalidJSON)
	if len(got) != 1 || !strings.HasPrefix(got[0], "items[0].foo: invalid character '}'") {
		t.Errorf("problems = %q, want the syntax failure at items[0].foo", got)
	}
}

func TestUnionFailurePaths(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"kind":"x","a":1}`, `u.kind: unknown kind "x"; want one of a, b`},
		{`{"a":1}`, "u.kind: required field is missing"},
		{`{"kind":true}`, "u.kind: want string, got boolean"},
		{`[]`, "u: want object, got array"},
	} {
		var r Reader
		r.Reset([]byte(c.in))
		up := Path{Key: "u"}
		tag, found, ok := r.Discriminator(&up, "kind")
		switch {
		case ok && !found:
			r.SkipMissingVariant(&up, "kind")
		case ok:
			r.SkipUnknownVariant(&up, "kind", tag, "a, b")
		}
		r.End()
		// The union value is nil: validation reports it at u, and
		// something inside at u.kind; neither is a second problem.
		err := r.ErrWith(jsgenrt.FieldErrors{{Path: "u", Message: MsgRequired}, {Path: "u.kind", Message: "x"}, {Path: "v", Message: "kept"}})
		got := problems(t, err, jsgenrt.CodeInvalidMessage)
		if want := []string{c.want, "v: kept"}; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: problems %q, want %q", c.in, got, want)
		}
	}
}

// TestUnionSyntaxFailurePaths: malformed JSON met while looking ahead for a
// union's discriminator is reported at the member being read, as a
// message's own decoder would report it, not at the enclosing union.
func TestUnionSyntaxFailurePaths(t *testing.T) {
	for _, c := range []struct{ in, path string }{
		{`{"kind":`, "u.kind"},
		{`{"kind":"a`, "u.kind"},
		{`{"list":[1,`, "u.list"},
		{`{"list":[1],`, "u"},
		{`{`, "u"},
	} {
		var r Reader
		r.Reset([]byte(c.in))
		up := Path{Key: "u"}
		if _, _, ok := r.Discriminator(&up, "kind"); ok {
			t.Errorf("%s: Discriminator ok, want a syntax failure", c.in)
			continue
		}
		err := r.Err()
		var je *jsgenrt.Error
		if !errors.As(err, &je) || je.Code != jsgenrt.CodeInvalidJSON || len(je.Errors) != 1 {
			t.Errorf("%s: %v, want one invalid_json failure", c.in, err)
			continue
		}
		if got := je.Errors[0].Path; got != c.path {
			t.Errorf("%s: syntax failure at %q, want %q (%s)", c.in, got, c.path, je.Errors[0].Message)
		}
	}
}

func TestErrWith(t *testing.T) {
	var r Reader
	r.Reset([]byte(`{"a":"x","b":{"c":1},"ab":1,"list":[1,"two"]}`))
	r.Object(nil)
	for {
		k, ok := r.Key(nil)
		if !ok {
			break
		}
		switch string(k) {
		case "a":
			ap := Path{Key: "a"}
			r.Object(&ap) // wrong type: a string
		case "b":
			bp := Path{Key: "b"}
			r.Object(&bp)
			for {
				k, ok := r.Key(&bp)
				if !ok {
					break
				}
				r.SkipUnknown(&bp, k)
			}
		case "list":
			lp := Path{Key: "list"}
			r.Array(&lp)
			for i := 0; r.More(&lp); i++ {
				ep := Path{Parent: &lp, Index: i, IsIndex: true}
				r.Int(&ep)
			}
		default:
			r.Skip(nil)
		}
	}
	r.Missing(nil, "d")
	r.End()
	violations := jsgenrt.FieldErrors{
		{Path: "a", Message: "zero a"},      // a failed to decode
		{Path: "a.x", Message: "inside a"},  // inside it
		{Path: "a[0]", Message: "inside a"}, // inside it
		{Path: "ab", Message: "kept"},       // a sibling sharing a's prefix
		{Path: "b", Message: "kept"},        // the object holding the unknown member
		{Path: "b.e", Message: "kept"},      // a sibling of the unknown member
		{Path: "list", Message: "kept"},     // the array holding a failed element
		{Path: "list[0]", Message: "kept"},  // a sibling of the failed element
		{Path: "list[1]", Message: "zero"},  // the failed element
		{Path: "d", Message: "zero d"},      // missing
		{Path: `["a"]`, Message: "kept"},    // not a's path
		{Path: "e", Message: "kept"},
	}
	got := problems(t, r.ErrWith(violations), jsgenrt.CodeInvalidMessage)
	want := []string{
		"a: want object, got string",
		"b.c: unknown field",
		"list[1]: want integer, got string",
		"d: required field is missing",
		"ab: kept", "b: kept", "b.e: kept", "list: kept", "list[0]: kept", `["a"]: kept`, "e: kept",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ErrWith:\n got %q\nwant %q", got, want)
	}
	// Err, and a second ErrWith, are not disturbed by the first.
	if got := problems(t, r.Err(), jsgenrt.CodeInvalidMessage); !reflect.DeepEqual(got, want[:4]) {
		t.Errorf("Err = %q", got)
	}
	if got := problems(t, r.ErrWith(violations[:5]), jsgenrt.CodeInvalidMessage); !reflect.DeepEqual(got, append(want[:4:4], "ab: kept", "b: kept")) {
		t.Errorf("second ErrWith = %q", got)
	}
}

func TestErrWithRootFailure(t *testing.T) {
	var r Reader
	r.Reset([]byte(`[1]`))
	r.Object(nil)
	r.End()
	got := problems(t, r.ErrWith(jsgenrt.FieldErrors{{Path: "x", Message: "zero"}, {Path: "", Message: "zero"}}), jsgenrt.CodeInvalidMessage)
	if want := []string{": want object, got array"}; !reflect.DeepEqual(got, want) {
		t.Errorf("problems = %q, want %q", got, want)
	}
}

func TestErrWithOnlyViolationsOrNothing(t *testing.T) {
	var r Reader
	r.Reset([]byte(`{}`))
	r.Skip(nil)
	r.End()
	if err := r.ErrWith(nil); err != nil {
		t.Fatalf("ErrWith(nil) = %v", err)
	}
	if n := testing.AllocsPerRun(100, func() {
		if r.ErrWith(nil) != nil || r.Err() != nil {
			t.Fatal("failed")
		}
	}); n != 0 {
		t.Errorf("ErrWith allocates %v times when nothing failed", n)
	}
	got := problems(t, r.ErrWith(jsgenrt.FieldErrors{{Path: "x", Message: "too big"}}), jsgenrt.CodeInvalidMessage)
	if want := []string{"x: too big"}; !reflect.DeepEqual(got, want) {
		t.Errorf("problems = %q", got)
	}
}

func TestErrWithSyntaxFailureAlone(t *testing.T) {
	var r Reader
	r.Reset([]byte(`{"a":1,"b":`))
	readItems(&r)
	r.End()
	got := problems(t, r.ErrWith(jsgenrt.FieldErrors{{Path: "x", Message: "too big"}}), jsgenrt.CodeInvalidJSON)
	if len(got) != 1 || !strings.Contains(got[0], "unexpected end of JSON input") {
		t.Errorf("problems = %q, want the syntax failure alone", got)
	}
}

func TestErrWithCapsTheList(t *testing.T) {
	var many jsgenrt.FieldErrors
	for range MaxErrors + 10 {
		many.Add("x", "too big")
	}
	var r Reader
	r.Reset([]byte(`{"extra":1}`))
	readItems(&r)
	r.End()
	got := problems(t, r.ErrWith(many), jsgenrt.CodeInvalidMessage)
	if len(got) != MaxErrors+1 || got[0] != "extra: unknown field" || got[1] != "x: too big" ||
		!strings.Contains(got[MaxErrors], "the rest are not reported") {
		t.Errorf("%d problems: first %q, last %q", len(got), got[0], got[len(got)-1])
	}
	r.Reset([]byte(`{}`))
	readItems(&r)
	if got := problems(t, r.ErrWith(many), jsgenrt.CodeInvalidMessage); len(got) != MaxErrors+1 {
		t.Errorf("violations alone: %d problems, want %d", len(got), MaxErrors+1)
	}
}

// decodeGame reads the shape {"items":[{"id":int}],"labels":{string:any},
// "u":{"kind":"a","n":int}|{"kind":"b"}} as generated decoders do, and
// returns what validating the result would find if every value violated a
// constraint: one violation at the path of every member, element and entry
// it was given, present or not, decoded or not.
func decodeGame(r *Reader) jsgenrt.FieldErrors {
	var v jsgenrt.FieldErrors
	readItemsAndUnion(r, &v)
	for _, name := range []string{"items", "labels", "u", "u.n", "u.kind"} {
		v.Add(name, "constraint")
	}
	return v
}

func readItemsAndUnion(r *Reader, v *jsgenrt.FieldErrors) {
	if !r.Object(nil) {
		return
	}
	var seenU bool
	for {
		k, ok := r.Key(nil)
		if !ok {
			return
		}
		switch string(k) {
		case "items":
			ip := Path{Key: "items"}
			if !r.Array(&ip) {
				continue
			}
			for i := 0; r.More(&ip); i++ {
				ep := Path{Parent: &ip, Index: i, IsIndex: true}
				v.Add(ep.String(), "constraint")
				v.Add(ep.Child("id"), "constraint")
				readObject(r, &ep, "id")
			}
		case "labels":
			lp := Path{Key: "labels"}
			if !r.Object(&lp) {
				continue
			}
			seen := map[string]bool{}
			for {
				k, ok := r.Key(&lp)
				if !ok {
					break
				}
				key := string(k)
				if seen[key] {
					r.SkipDuplicate(&lp, key)
					continue
				}
				seen[key] = true
				v.Add(lp.Child(key), "constraint")
				r.Skip(&lp)
			}
		case "u":
			if seenU {
				r.SkipDuplicate(nil, "u")
				continue
			}
			seenU = true
			up := Path{Key: "u"}
			tag, found, ok := r.Discriminator(&up, "kind")
			switch {
			case !ok:
			case !found:
				r.SkipMissingVariant(&up, "kind")
			case string(tag) == "a":
				readObject(r, &up, "kind", "n")
			case string(tag) == "b":
				readObject(r, &up, "kind")
			default:
				r.SkipUnknownVariant(&up, "kind", tag, "a, b")
			}
		default:
			r.SkipUnknown(nil, k, "items", "labels", "u")
		}
	}
}

// readObject reads an object at p whose members are the int members names,
// refusing unknown and duplicate ones and reporting missing ones.
func readObject(r *Reader, p *Path, names ...string) {
	if !r.Object(p) {
		return
	}
	seen := make([]bool, len(names))
	for {
		k, ok := r.Key(p)
		if !ok {
			break
		}
		i := slices.Index(names, string(k))
		switch {
		case i < 0:
			r.SkipUnknown(p, k, names...)
		case seen[i]:
			r.SkipDuplicate(p, names[i])
		default:
			seen[i] = true
			mp := Path{Parent: p, Key: names[i]}
			if names[i] == "kind" {
				r.String(&mp)
			} else {
				r.Int(&mp)
			}
		}
	}
	for i, name := range names {
		if !seen[i] && name != "kind" {
			r.Missing(p, name)
		}
	}
}

// FuzzErrWith decodes arbitrary input as a small game message and checks
// what one decode reports: the syntax failure alone for what Valid refuses;
// otherwise the shape failures first, each at a path that names a member or
// element, then the violations in their order, none of them at or below a
// shape failure's path, and no more than MaxErrors+1 problems.
func FuzzErrWith(f *testing.F) {
	for _, s := range []string{
		`{"items":[{"id":1},{"id":"x"},{"id":3,"foo":1,"id":4}],"labels":{"a":1,"a":2},"u":{"kind":"a","n":1}}`,
		`{"u":{"n":1}}`, `{"u":{"kind":"c"}}`, `{"u":{"kind":1}}`, `{"u":[]}`, `{"u":{"kind":"b","n":1},"u":2}`,
		`{"Items":[],"x":{"y":[1,}}`, `[]`, `{"labels":{"a.b":1,"a.b":{}}}`, `{"items":[{},[],{"ID":1}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r Reader
		r.Reset(data)
		violations := decodeGame(&r)
		r.End()
		err := r.ErrWith(violations)
		var e *jsgenrt.Error
		if !errors.As(err, &e) {
			t.Fatalf("ErrWith = %v: every decode of the game finds violations", err)
		}
		if !Valid(data) {
			if e.Code != jsgenrt.CodeInvalidJSON || len(e.Errors) != 1 {
				t.Fatalf("%q is not valid, yet ErrWith = %v", data, err)
			}
			return
		}
		if e.Code != jsgenrt.CodeInvalidMessage || len(e.Errors) > MaxErrors+1 {
			t.Fatalf("%q: ErrWith = %v", data, err)
		}
		var shapes []jsgenrt.FieldError
		if serr := r.Err(); serr != nil {
			shapes = serr.(*jsgenrt.Error).Errors
		}
		if len(e.Errors) < len(shapes) || !slices.Equal(e.Errors[:len(shapes)], shapes) {
			t.Fatalf("%q: ErrWith = %v does not start with the shape failures %v", data, e.Errors, shapes)
		}
		kept := e.Errors[len(shapes):]
		for _, fe := range kept {
			if fe.Message != "constraint" && !strings.Contains(fe.Message, "not reported") {
				t.Fatalf("%q: %v among the violations", data, fe)
			}
			for _, s := range shapes {
				if within(fe.Path, s.Path) && fe.Message == "constraint" {
					t.Fatalf("%q: violation %v at or below the shape failure %v", data, fe, s)
				}
			}
		}
		for _, s := range shapes {
			if s.Path == "" && len(shapes) <= MaxErrors && len(kept) > 0 {
				t.Fatalf("%q: the root failed, yet violations %v are reported", data, kept)
			}
		}
		// The violations kept are in the order validation found them.
		i := 0
		for _, fe := range kept {
			for i < len(violations) && violations[i] != fe {
				i++
			}
			if i == len(violations) && fe.Message == "constraint" {
				t.Fatalf("%q: violations %v out of order (found %v)", data, kept, violations)
			}
			i++
		}
	})
}
