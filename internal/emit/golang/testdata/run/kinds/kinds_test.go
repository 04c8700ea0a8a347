package kinds

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

func ptr[T any](v T) *T { return &v }

func violations(t *testing.T, err error) []string {
	t.Helper()
	var e *jsgenrt.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *jsgenrt.Error", err)
	}
	var out []string
	for _, fe := range e.Errors {
		out = append(out, fe.Path+": "+fe.Message)
	}
	return out
}

func full() Shape {
	return Shape{
		Color:    ColorBlue,
		Colors:   []Color{ColorRed, ColorLightBlue},
		Owner:    ptr(MustItemRef("it-1")),
		Fallback: MustItemRef("fb"),
		Ratio:    0.25,
		Count:    -3,
		Flag:     ptr(false),
		Big:      ptr(int64(-9007199254740993)),
		Tint:     ptr(ColorGreen),
		When:     ptr(time.UnixMilli(-1).UTC()),
		Named:    map[string]Point{"a": {X: 1, Y: 2}, "b.c": {X: -1, Y: -10}},
		Grid:     map[string][]int{"row": {0, 1, 2}, "empty": {}},
		Events:   []Event{Point{X: 5, Y: 5}, Stamp{At: time.UnixMilli(42).UTC()}, &Point{X: 1}},
		ByKey:    map[string]Event{"k": Stamp{At: time.UnixMilli(0).UTC()}},
		MetaV:    ptr("abc"),
	}
}

func TestRoundTrip(t *testing.T) {
	s := full()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	b := s.AppendJSON(nil)
	if !json.Valid(b) {
		t.Fatalf("invalid JSON %s", b)
	}
	back, err := DecodeShape(b)
	if err != nil {
		t.Fatalf("DecodeShape(%s): %v", b, err)
	}
	s.Events[2] = Point{X: 1} // pointers to variants decode as values
	if !reflect.DeepEqual(back, s) {
		t.Fatalf("round trip:\n%#v\n%#v", back, s)
	}
	const want = `{"color":"blue","colors":["red","light-blue"],"owner":"it-1","fallback":"fb","ratio":0.25,"count":-3,` +
		`"flag":false,"big":-9007199254740993,"tint":"green","when":-1,"named":{"a":{"t":"p","x":1,"y":2},"b.c":{"t":"p","x":-1,"y":-10}},` +
		`"grid":{"empty":[],"row":[0,1,2]},"events":[{"t":"p","x":5,"y":5},{"t":"s","at":42},{"t":"p","x":1,"y":0}],` +
		`"byKey":{"k":{"t":"s","at":0}},"meta.v":"abc"}`
	if string(b) != want {
		t.Errorf("AppendJSON =\n%s\nwant\n%s", b, want)
	}
}

func TestDefaults(t *testing.T) {
	s, err := DecodeShape([]byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Shape{Color: ColorGreen, Fallback: jsgenrt.UncheckedRef[Item]("none"), Ratio: 0.5, Count: 7}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("defaults = %#v", s)
	}
	if got := string(s.AppendJSON(nil)); got != `{"color":"green","fallback":"none","ratio":0.5,"count":7}` {
		t.Errorf("AppendJSON = %s", got)
	}
}

func TestPaths(t *testing.T) {
	_, err := DecodeShape([]byte(`{"named":{"k":{"x":1,"y":11},"k":{"x":0,"y":0}},"grid":{"row":[1,-2]},` +
		`"events":[{"t":"p","x":1,"y":1},{"t":"zz"},{"x":1}],"byKey":{"a b":{"t":"s","at":"now"}},"meta.v":"abcd",` +
		`"colors":[],"ratio":2,"count":101,"tint":"pink","owner":"way-too-long-identifier"}`))
	got := violations(t, err)
	want := []string{ // problems of shape in input order, then constraints in declaration order
		"named.k: duplicate field", // the first value's named.k.y is not reported as well
		`events[1].t: unknown t "zz"; want one of p, s`,
		`events[2].t: required field is missing`,
		`byKey["a b"].at: want integer (Unix milliseconds), got string`,
		`owner: invalid Item identifier "way-too-long-identifier": 23 bytes, at most 16`,
		"colors: 0 items, at least 1",
		"ratio: 2, at most 1",
		"count: 101, at most 100",
		`tint: "pink" is not one of red, green, blue, light-blue`,
		"grid.row[1]: -2, at least 0",
		`["meta.v"]: 4 characters, at most 3`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decode violations:\n%q\nwant\n%q", got, want)
	}
	_, err = DecodeShape([]byte(`{"named":{"k":{"x":1,"y":11}},"grid":{"row":[1,-2]},"meta.v":"abcd",` +
		`"colors":[],"ratio":2,"count":101,"tint":"pink","events":[{"t":"p","x":0,"y":0},{"t":"p","x":0,"y":0},{"t":"p","x":0,"y":0},{"t":"s","at":1}]}`))
	got = violations(t, err)
	want = []string{
		"colors: 0 items, at least 1",
		"ratio: 2, at most 1",
		"count: 101, at most 100",
		`tint: "pink" is not one of red, green, blue, light-blue`,
		"named.k.y: 11, at most 10",
		"grid.row[1]: -2, at least 0",
		"events: 4 items, at most 3",
		`["meta.v"]: 4 characters, at most 3`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("validation violations:\n%q\nwant\n%q", got, want)
	}
}

func TestMapErrorsAreSorted(t *testing.T) {
	s := Shape{Color: ColorRed, Fallback: MustItemRef("x"), Named: map[string]Point{}}
	for _, k := range []string{"e", "a", "d", "c", "b", "f", "g", "h"} {
		s.Named[k] = Point{Y: 99}
	}
	for range 5 {
		got := violations(t, s.Validate())
		want := []string{"named.a.y: 99, at most 10", "named.b.y: 99, at most 10", "named.c.y: 99, at most 10",
			"named.d.y: 99, at most 10", "named.e.y: 99, at most 10", "named.f.y: 99, at most 10",
			"named.g.y: 99, at most 10", "named.h.y: 99, at most 10"}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("violations = %q", got)
		}
	}
}

func TestInvalidGoValues(t *testing.T) {
	s := Shape{Color: "", Ratio: 0, Fallback: jsgenrt.Ref[Item]{}, Events: []Event{nil, (*Stamp)(nil)},
		When: ptr(time.Date(300000000, 1, 1, 0, 0, 0, 0, time.UTC))}
	got := violations(t, s.Validate())
	want := []string{
		`color: "" is not one of red, green, blue, light-blue`,
		"fallback: missing Item identifier",
		"when: timestamp out of range for Unix milliseconds",
		"events[0]: required field is missing",
		"events[1]: required field is missing",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("violations:\n%q\nwant\n%q", got, want)
	}
}
