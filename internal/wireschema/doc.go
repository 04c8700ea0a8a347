// Package wireschema builds the JSON Schemas (draft 2020-12) of a jsgen
// IR's wire types, one document per model, message and union, once, as
// values (Documents) that the JSON Schema emitter writes out as JSON
// (internal/emit/jsonschema) and the AsyncAPI emitter as YAML
// (internal/emit/asyncapi); and it renders the JSON Schema of jsgen.yaml
// itself (ConfigSchema) in the same canonical form.
//
// The message schemas are built from the IR with the schema types of
// github.com/invopop/jsonschema — never by reflecting Go types — so that they
// are a second projection of the same constraint model that the generated
// decoders and validators are built from. They accept exactly what the
// generated Decode<Name> functions accept (a differential test checks it on
// thousands of documents), with these differences:
//
//   - Identifier length: a Ref's identifier is bounded in bytes of UTF-8
//     (the model's idMinLength and idMaxLength), but JSON Schema's
//     minLength and maxLength count code points. When the model's
//     idPattern admits ASCII only (anchored ^...$, ASCII atoms) the two
//     agree and the schema is exact. Otherwise it is exact for ASCII
//     identifiers and looser for others, never stricter: maxLength =
//     idMaxLength (an identifier of 33 'é', 66 bytes, passes a 64-byte
//     bound in the schema and is refused by the decoder), and a lower bound
//     above 1 is minLength = idMinLength for ASCII identifiers and
//     ceil(idMinLength/4) for others (an "anyOf" on an ASCII pattern). The
//     identifier's characters are checked exactly (see Ref schemas below).
//   - What happens before validation: JSON Schema validates a parsed value,
//     so it cannot see invalid UTF-8, lone surrogate escapes, duplicate keys
//     (the decoder refuses them; JSON parsers usually keep the last one) or
//     nesting deeper than the decoder's limit (64 levels).
//   - Floating-point rounding: the decoder checks a float64 field's bounds on
//     the float64 it decoded, so a number that is outside the bound only in
//     digits a float64 cannot hold (1.00000000000000001 for max 1, -1e-400
//     for min 0) passes the decoder and not the schema.
//   - Pattern dialect: declared patterns are RE2 and are copied as written.
//     JSON Schema specifies ECMA-262 regular expressions; the common subset
//     means the same in both, but RE2-only syntax (such as (?i) or \z) may
//     be refused or read differently by validators that use ECMA-262.
//   - int is assumed to be 64 bits wide, as on every platform jsgen targets.
//
// How the IR maps onto JSON Schema:
//
//   - A message or model is an object with "properties" in declaration
//     order, "required" listing every field that is neither optional nor
//     defaulted, "additionalProperties": false, and "default" on defaulted
//     fields. null is never accepted, not even for optional fields.
//   - string: minLength and maxLength (code points, as in JSON Schema) and
//     pattern (RE2, unanchored — JSON Schema patterns are unanchored too).
//     int and int64 are integers bounded by min/max and by the int64 range
//     (int is assumed 64 bits wide); float64 is a number bounded
//     by min/max, or else by the largest magnitude that still decodes as a
//     finite float64 (exclusive bound 2^1024 - 2^970). timestamp is an
//     integer (Unix milliseconds) in the int64 range. An enum is a string
//     with "enum".
//   - A Ref to a model is a string, not an object, defined once per document
//     in "$defs" as "<Model>Ref" (a name the IR reserves, so it never clashes
//     with a message or union): the length bounds above, a pattern
//     (IdentifierPattern) that refuses exactly what runtime.CheckIdentifier
//     refuses character by character, and the model's idPattern in "allOf"
//     (a schema has one "pattern"). A model with a closed set of
//     identifiers (idValues) has an "enum" of them instead, which is exact.
//   - Arrays carry minItems/maxItems; maps are objects whose
//     "additionalProperties" is the element schema. String and number
//     constraints of a []T or map[string]T field apply to its innermost
//     elements, as in the IR.
//   - Nested messages and unions are "$ref"s into "$defs"; every document is
//     self-contained (its "$defs" hold every message and union it reaches),
//     and a reference to the document's own declaration is "#".
//   - A union is a "oneOf" with one object per variant: the variant's fields
//     plus its discriminator member, {"const": "<tag>"}, required except for
//     the union's default variant. A missing discriminator can then match
//     only the default variant (the others require it), and a present one
//     only the variant with that tag, so "absent means default" is exact.
//   - A message that is a variant of exactly one union accepts, on its own
//     and wherever it is nested, that union's discriminator member with its
//     own tag (the member its encoder writes), so its schema lists that
//     member as an optional {"const": "<tag>"}. A message in several unions
//     or in none has no such member.
//
// Documents are rendered canonically: keys in a fixed order (properties in
// declaration order, "$defs" sorted), 2-space indentation, a trailing
// newline, and non-printable characters written as \u escapes.
package wireschema
