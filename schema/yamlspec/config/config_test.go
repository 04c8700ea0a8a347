package config

import (
	"reflect"
	"testing"

	js "github.com/invopop/jsonschema"
)

// TestEveryKeyDescribed checks that every type and field has a doc comment,
// so that every key of jsgen.yaml has a description in the schema.
func TestEveryKeyDescribed(t *testing.T) {
	comments, err := docComments(source)
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []reflect.Type{
		reflect.TypeFor[File](), reflect.TypeFor[Model](), reflect.TypeFor[Message](), reflect.TypeFor[Field](),
		reflect.TypeFor[Union](), reflect.TypeFor[Channel](), reflect.TypeFor[EventBus](),
		reflect.TypeFor[Controller](), reflect.TypeFor[Route](),
	} {
		if comments[typ.Name()] == "" {
			t.Errorf("type %s has no doc comment", typ.Name())
		}
		for f := range typ.Fields() {
			if comments[typ.Name()+"."+f.Name] == "" {
				t.Errorf("field %s.%s has no doc comment", typ.Name(), f.Name)
			}
		}
	}
	s, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	check := func(where string, props *js.Schema) {
		for p := props.Properties.Oldest(); p != nil; p = p.Next() {
			if p.Value.Description == "" {
				t.Errorf("%s.%s has no description in the schema", where, p.Key)
			}
		}
	}
	check("root", s)
	for name, d := range s.Definitions {
		if name == "Field" {
			d = d.OneOf[1]
		}
		check(name, d)
	}
}
