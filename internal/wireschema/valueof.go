package wireschema

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"

	js "github.com/invopop/jsonschema"
)

// schemaValue converts s to a Value member by member, with the keys and
// the values github.com/invopop/jsonschema's JSON encoding would give it
// (struct members in their declaration order, then Extras; map members by
// key), not yet in canonical order. It fails on a value of a type JSON
// Schema has no form for.
func schemaValue(s *js.Schema) (*Value, error) {
	switch {
	case s == nil:
		return &Value{Kind: Literal, Text: "null"}, nil
	case reflect.DeepEqual(s, js.FalseSchema):
		return &Value{Kind: Literal, Text: "false"}, nil
	case reflect.DeepEqual(s, js.TrueSchema), reflect.DeepEqual(s, &js.Schema{}):
		return &Value{Kind: Literal, Text: "true"}, nil
	}
	o := &objectBuilder{v: &Value{Kind: Object}}
	o.str("$schema", s.Version)
	o.str("$id", string(s.ID))
	o.str("$anchor", s.Anchor)
	o.str("$ref", s.Ref)
	o.str("$dynamicRef", s.DynamicRef)
	o.schemaMap("$defs", s.Definitions)
	o.str("$comment", s.Comments)
	o.schemas("allOf", s.AllOf)
	o.schemas("anyOf", s.AnyOf)
	o.schemas("oneOf", s.OneOf)
	o.schema("not", s.Not)
	o.schema("if", s.If)
	o.schema("then", s.Then)
	o.schema("else", s.Else)
	o.schemaMap("dependentSchemas", s.DependentSchemas)
	o.schemas("prefixItems", s.PrefixItems)
	o.schema("items", s.Items)
	o.schema("contains", s.Contains)
	o.properties(s)
	o.schemaMap("patternProperties", s.PatternProperties)
	o.schema("additionalProperties", s.AdditionalProperties)
	o.schema("propertyNames", s.PropertyNames)
	o.str("type", s.Type)
	if len(s.Enum) > 0 {
		o.data("enum", s.Enum)
	}
	if s.Const != nil {
		o.data("const", s.Const)
	}
	for _, n := range []struct {
		key string
		num json.Number
	}{{"multipleOf", s.MultipleOf}, {"maximum", s.Maximum}, {"exclusiveMaximum", s.ExclusiveMaximum}, {"minimum", s.Minimum}, {"exclusiveMinimum", s.ExclusiveMinimum}} {
		if n.num != "" {
			o.data(n.key, n.num)
		}
	}
	o.count("maxLength", s.MaxLength)
	o.count("minLength", s.MinLength)
	o.str("pattern", s.Pattern)
	o.count("maxItems", s.MaxItems)
	o.count("minItems", s.MinItems)
	o.flag("uniqueItems", s.UniqueItems)
	o.count("maxContains", s.MaxContains)
	o.count("minContains", s.MinContains)
	o.count("maxProperties", s.MaxProperties)
	o.count("minProperties", s.MinProperties)
	if len(s.Required) > 0 {
		o.data("required", s.Required)
	}
	if len(s.DependentRequired) > 0 {
		o.data("dependentRequired", s.DependentRequired)
	}
	o.str("format", s.Format)
	o.str("contentEncoding", s.ContentEncoding)
	o.str("contentMediaType", s.ContentMediaType)
	o.schema("contentSchema", s.ContentSchema)
	o.str("title", s.Title)
	o.str("description", s.Description)
	if s.Default != nil {
		o.data("default", s.Default)
	}
	o.flag("deprecated", s.Deprecated)
	o.flag("readOnly", s.ReadOnly)
	o.flag("writeOnly", s.WriteOnly)
	if len(s.Examples) > 0 {
		o.data("examples", s.Examples)
	}
	for _, k := range slices.Sorted(maps.Keys(s.Extras)) {
		o.data(k, s.Extras[k])
	}
	return o.v, o.err
}

// objectBuilder appends members to an object Value, keeping the first error.
type objectBuilder struct {
	v   *Value
	err error
}

func (o *objectBuilder) add(key string, v *Value, err error) {
	if o.err != nil {
		return
	}
	if err != nil {
		o.err = fmt.Errorf("%s: %w", key, err)
		return
	}
	o.v.Keys = append(o.v.Keys, key)
	o.v.Elems = append(o.v.Elems, v)
}

func (o *objectBuilder) str(key, s string) {
	if s != "" {
		o.add(key, &Value{Kind: String, Text: s}, nil)
	}
}

func (o *objectBuilder) flag(key string, b bool) {
	if b {
		o.add(key, &Value{Kind: Literal, Text: "true"}, nil)
	}
}

func (o *objectBuilder) count(key string, n *uint64) {
	if n != nil {
		o.add(key, &Value{Kind: Literal, Text: strconv.FormatUint(*n, 10)}, nil)
	}
}

func (o *objectBuilder) data(key string, d any) {
	v, err := dataValue(d)
	o.add(key, v, err)
}

func (o *objectBuilder) schema(key string, s *js.Schema) {
	if s != nil {
		v, err := schemaValue(s)
		o.add(key, v, err)
	}
}

func (o *objectBuilder) schemas(key string, list []*js.Schema) {
	if len(list) == 0 {
		return
	}
	arr := &Value{Kind: Array}
	for _, s := range list {
		v, err := schemaValue(s)
		if err != nil {
			o.add(key, nil, err)
			return
		}
		arr.Elems = append(arr.Elems, v)
	}
	o.add(key, arr, nil)
}

func (o *objectBuilder) schemaMap(key string, m map[string]*js.Schema) {
	if len(m) == 0 {
		return
	}
	obj := &objectBuilder{v: &Value{Kind: Object}}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		obj.schema(k, m[k])
		if m[k] == nil {
			obj.add(k, &Value{Kind: Literal, Text: "null"}, nil)
		}
	}
	o.add(key, obj.v, obj.err)
}

// properties adds "properties" in the order they were set.
func (o *objectBuilder) properties(s *js.Schema) {
	if s.Properties == nil { // a non-nil empty map is written {}
		return
	}
	obj := &objectBuilder{v: &Value{Kind: Object}}
	for p := s.Properties.Oldest(); p != nil; p = p.Next() {
		v, err := schemaValue(p.Value)
		obj.add(p.Key, v, err)
	}
	o.add("properties", obj.v, obj.err)
}

// dataValue converts an instance value (enum, const, default, examples,
// extras) to a Value.
func dataValue(d any) (*Value, error) {
	switch d := d.(type) {
	case nil:
		return &Value{Kind: Literal, Text: "null"}, nil
	case string:
		return &Value{Kind: String, Text: d}, nil
	case bool:
		return &Value{Kind: Literal, Text: strconv.FormatBool(d)}, nil
	case json.Number:
		if _, err := strconv.ParseFloat(string(d), 64); errors.Is(err, strconv.ErrSyntax) { // a range error is a valid JSON number
			return nil, fmt.Errorf("invalid number %q", string(d))
		}
		return &Value{Kind: Literal, Text: string(d)}, nil
	case json.RawMessage:
		return Parse(d)
	case int:
		return &Value{Kind: Literal, Text: strconv.Itoa(d)}, nil
	case int64:
		return &Value{Kind: Literal, Text: strconv.FormatInt(d, 10)}, nil
	case uint64:
		return &Value{Kind: Literal, Text: strconv.FormatUint(d, 10)}, nil
	case float64:
		return &Value{Kind: Literal, Text: strconv.FormatFloat(d, 'g', -1, 64)}, nil
	case []string:
		return listValue(d)
	case []any:
		return listValue(d)
	case map[string]any:
		return mapValue(d)
	case map[string][]string:
		return mapValue(d)
	}
	return nil, fmt.Errorf("no JSON form for a value of type %T", d)
}

func listValue[T any](list []T) (*Value, error) {
	arr := &Value{Kind: Array, Elems: make([]*Value, 0, len(list))}
	for _, e := range list {
		v, err := dataValue(e)
		if err != nil {
			return nil, err
		}
		arr.Elems = append(arr.Elems, v)
	}
	return arr, nil
}

func mapValue[T any](m map[string]T) (*Value, error) {
	obj := &objectBuilder{v: &Value{Kind: Object}}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		obj.data(k, m[k])
	}
	return obj.v, obj.err
}
