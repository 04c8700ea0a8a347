package wire

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// problems returns err's violations as "path: message", checking it is a
// *jsgenrt.Error with code.
func problems(t *testing.T, err error, code string) []string {
	t.Helper()
	var e *jsgenrt.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want a *jsgenrt.Error", err, err)
	}
	if e.Code != code {
		t.Errorf("code = %s, want %s (%v)", e.Code, code, err)
	}
	var got []string
	for _, fe := range e.Errors {
		got = append(got, fe.Path+": "+fe.Message)
	}
	return got
}

func wantProblems(t *testing.T, what string, err error, want ...string) {
	t.Helper()
	if got := problems(t, err, jsgenrt.CodeInvalidMessage); !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

// validPlan is a valid Plan; the cases below splice bad members into it.
const validPlan = `{"name":"p","owner":"ann","origin":{"x":1,"y":1},"steps":[{"x":1,"y":1},{"x":2,"y":2},{"x":3,"y":3}],` +
	`"first":{"type":"say","text":"hi"},"cmds":[{"type":"move","x":1,"y":2},{"type":"say","text":"yo"}],"labels":{"a":1},"tags":["t"]}`

func decodePlan(s string) error { _, err := DecodePlan([]byte(s)); return err }

func TestValidPlan(t *testing.T) {
	p, err := DecodePlan([]byte(validPlan))
	if err != nil {
		t.Fatal(err)
	}
	if string(p.AppendJSON(nil)) != validPlan {
		t.Errorf("round trip: %s", p.AppendJSON(nil))
	}
}

func TestUnknownMemberPath(t *testing.T) {
	_, err := DecodeCommand([]byte(`{"type":"move","x":1,"y":2,"extra":1}`))
	wantProblems(t, "top level (union)", err, "extra: unknown field")
	_, err = DecodeMove([]byte(`{"x":1,"y":2,"extra":1}`))
	wantProblems(t, "top level (message)", err, "extra: unknown field")
	_, err = DecodeMove([]byte(`{"x":1,"y":2,"Label":"a"}`))
	wantProblems(t, "case mismatch", err, `Label: unknown field (did you mean "label"?)`)
	_, err = DecodeMove([]byte(`{"x":1,"y":2,"a.b":1}`))
	wantProblems(t, "odd key", err, `["a.b"]: unknown field`)

	cases := []struct{ from, to, want string }{
		{`"origin":{"x":1,"y":1}`, `"origin":{"x":1,"foo":true,"y":1}`, "origin.foo: unknown field"},
		{`{"x":3,"y":3}`, `{"x":3,"y":3,"foo":[1]}`, "steps[2].foo: unknown field"},
		{`{"type":"say","text":"yo"}`, `{"type":"say","text":"yo","bar":null}`, "cmds[1].bar: unknown field"},
		{`"first":{"type":"say","text":"hi"}`, `"first":{"type":"say","text":"hi","x":1}`, "first.x: unknown field"},
	}
	for _, c := range cases {
		wantProblems(t, c.want, decodePlan(replace(t, validPlan, c.from, c.to)), c.want)
	}
}

func TestDuplicateMemberPath(t *testing.T) {
	cases := []struct{ from, to, want string }{
		{`"name":"p"`, `"name":"p","name":"q"`, "name: duplicate field"},
		{`"origin":{"x":1,"y":1}`, `"origin":{"x":1,"y":1,"x":2}`, "origin.x: duplicate field"},
		{`{"x":3,"y":3}`, `{"x":3,"y":3,"y":3}`, "steps[2].y: duplicate field"},
		{`"labels":{"a":1}`, `"labels":{"a":1,"b":2,"a":3}`, "labels.a: duplicate field"},
		{`"labels":{"a":1}`, `"labels":{"a b":1,"a b":3}`, `labels["a b"]: duplicate field`},
		{`{"type":"say","text":"yo"}`, `{"type":"say","text":"yo","type":"say"}`, "cmds[1].type: duplicate field"},
		{`"first":{"type":"say","text":"hi"}`, `"first":{"type":"say","text":"hi","text":"ho"}`, "first.text: duplicate field"},
	}
	for _, c := range cases {
		wantProblems(t, c.want, decodePlan(replace(t, validPlan, c.from, c.to)), c.want)
	}
	_, err := DecodeCommand([]byte(`{"type":"move","x":1,"type":"move","y":2}`))
	wantProblems(t, "discriminator", err, "type: duplicate field")
}

// TestShapeAndConstraintErrorsTogether: one error lists the problems of
// shape (in input order) and then every constraint violation of the rest.
func TestShapeAndConstraintErrorsTogether(t *testing.T) {
	_, err := DecodeCommand([]byte(`{"type":"move","x":-1,"y":2000,"z":1}`))
	wantProblems(t, "the issue's move", err, "z: unknown field", "x: -1, at least 0", "y: 2000, at most 1000")
	_, err = DecodeMove([]byte(`{"label":"","z":1,"x":-1,"y":1,"y":2,"w":2}`))
	wantProblems(t, "the variant's own decoder", err,
		"z: unknown field", "y: duplicate field", "w: unknown field", "x: -1, at least 0", "label: 0 characters, at least 1")

	bad := replace(t, validPlan, `"name":"p"`, `"name":"far too long a name","zz":0`)
	bad = replace(t, bad, `"origin":{"x":1,"y":1}`, `"origin":{"x":0,"y":11,"q":1}`)
	bad = replace(t, bad, `{"x":2,"y":2}`, `{"x":2,"y":2,"y":3}`)
	bad = replace(t, bad, `"labels":{"a":1}`, `"labels":{"b":0,"a":0,"a":1}`)
	bad = replace(t, bad, `"tags":["t"]`, `"tags":["t",""]`)
	bad = replace(t, bad, `{"type":"move","x":1,"y":2}`, `{"type":"move","x":1,"y":2000,"k":1}`)
	wantProblems(t, "plan", decodePlan(bad),
		// shape, in input order
		"zz: unknown field",
		"origin.q: unknown field",
		"steps[1].y: duplicate field",
		"cmds[0].k: unknown field",
		"labels.a: duplicate field",
		// constraints, in declaration order (map entries by key)
		"name: 19 characters, at most 10",
		"origin.x: 0, at least 1",
		"origin.y: 11, at most 10",
		"cmds[0].y: 2000, at most 1000",
		"labels.b: 0, at least 1",
		"tags[1]: 0 characters, at least 1",
	)
}

// TestFailedMembersAreNotDoubleReported: a member that failed to decode, or
// is missing, has one problem; its zero value is not also reported as a
// constraint violation, nor is anything inside it.
func TestFailedMembersAreNotDoubleReported(t *testing.T) {
	cases := []struct{ from, to, want string }{
		{`"name":"p"`, `"name":5`, "name: want string, got number"},
		{`"name":"p",`, ``, "name: required field is missing"},
		{`"owner":"ann"`, `"owner":"a.b"`, `owner: invalid Player identifier "a.b": '.' at byte 1 is not allowed`},
		{`"owner":"ann"`, `"owner":null`, "owner: want string (an identifier), got null"},
		{`"owner":"ann",`, ``, "owner: required field is missing"},
		{`"origin":{"x":1,"y":1}`, `"origin":[]`, "origin: want object, got array"},
		{`"origin":{"x":1,"y":1},`, ``, "origin: required field is missing"},
		{`{"x":2,"y":2}`, `7`, "steps[1]: want object, got number"},
		{`"first":{"type":"say","text":"hi"}`, `"first":{"type":"shout","text":"hi"}`, `first.type: unknown type "shout"; want one of move, say`},
		{`"first":{"type":"say","text":"hi"}`, `"first":{"text":"hi"}`, "first.type: required field is missing"},
		{`"first":{"type":"say","text":"hi"}`, `"first":{"type":1,"text":"hi"}`, "first.type: want string, got number"},
		{`"first":{"type":"say","text":"hi"}`, `"first":"say"`, "first: want object, got string"},
		{`"first":{"type":"say","text":"hi"},`, ``, "first: required field is missing"},
		{`{"type":"say","text":"yo"}`, `{"type":"say","text":null}`, "cmds[1].text: want string, got null"},
		{`{"type":"say","text":"yo"}`, `{"type":"say"}`, "cmds[1].text: required field is missing"},
		{`"labels":{"a":1}`, `"labels":{"a":"1"}`, "labels.a: want integer, got string"},
		{`"tags":["t"]`, `"tags":["t",false]`, "tags[1]: want string, got boolean"},
		{`"name":"p"`, `"name":"","name":"q"`, "name: duplicate field"},
	}
	for _, c := range cases {
		wantProblems(t, c.want, decodePlan(replace(t, validPlan, c.from, c.to)), c.want)
	}
	_, err := DecodePlan([]byte(`[]`))
	wantProblems(t, "not an object", err, ": want object, got array")
	_, err = DecodePlan([]byte(`{}`))
	wantProblems(t, "empty object", err, "name: required field is missing", "owner: required field is missing",
		"origin: required field is missing", "steps: required field is missing", "first: required field is missing")
	_, err = DecodeCommand([]byte(`{"x":-1}`))
	wantProblems(t, "union without discriminator", err, "type: required field is missing")
	_, err = DecodeCommand([]byte(`{"type":"jump","x":-1}`))
	wantProblems(t, "unknown variant", err, `type: unknown type "jump"; want one of move, say`)
	_, err = DecodeCommand([]byte(`null`))
	wantProblems(t, "null union", err, ": want object, got null")
	_, err = DecodeMove([]byte(`{"type":"say","x":-1,"y":1}`))
	wantProblems(t, "wrong tag in the variant's own form", err, `type: "say" does not match this message; want "move"`, "x: -1, at least 0")
}

// TestSyntaxFailureStandsAlone: malformed JSON is reported alone, with no
// shape or constraint problem found before it.
func TestSyntaxFailureStandsAlone(t *testing.T) {
	_, err := DecodeCommand([]byte(`{"type":"move","x":-1,"extra":1,"y":`))
	if got := problems(t, err, jsgenrt.CodeInvalidJSON); len(got) != 1 {
		t.Errorf("problems = %q, want the syntax failure alone", got)
	}
}

func TestValidDecodeDoesNotAllocate(t *testing.T) {
	move := []byte(`{"type":"move","x":1,"y":2}`)
	point := []byte(`{"x":1,"y":2}`)
	if n := testing.AllocsPerRun(100, func() {
		if _, err := DecodeMove(move); err != nil {
			t.Fatal(err)
		}
		if _, err := DecodePoint(point); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("decoding valid messages allocates %v times per run", n)
	}
}

func replace(t *testing.T, s, from, to string) string {
	t.Helper()
	i := strings.Index(s, from)
	if i < 0 {
		t.Fatalf("%q not in %s", from, s)
	}
	return s[:i] + to + s[i+len(from):]
}
