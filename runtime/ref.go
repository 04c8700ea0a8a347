package runtime

import (
	"fmt"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Ref is a typed reference to a value of model T: an identifier that the type
// system keeps apart from references to other models. Ref[Room] and Ref[User]
// are distinct types; turning one into the other takes an explicit
// conversion. Refs are comparable and usable as map keys. The zero Ref is
// invalid (empty identifier).
//
// A Ref built by a generated constructor (RoomRef) or decoded by a generated
// decoder holds a valid identifier: non-empty, bounded, valid UTF-8, without
// control characters, whitespace or bus-subject metacharacters ('.', '*', '>').
type Ref[T any] struct {
	id string
}

// NewRef validates raw as an identifier of the model called model (used in
// error messages) at most maxLen bytes long, and returns its Ref.
func NewRef[T any](model, raw string, maxLen int) (Ref[T], error) {
	if err := CheckIdentifier(raw, maxLen); err != nil {
		return Ref[T]{}, &RefError{Model: model, Raw: raw, Reason: err.Error()}
	}
	return Ref[T]{id: raw}, nil
}

// UncheckedRef returns a Ref holding id without validating it. It is for
// identifiers that were validated earlier, such as keys coming back from a
// backend that only ever stores validated ones.
func UncheckedRef[T any](id string) Ref[T] { return Ref[T]{id: id} }

// ID returns the identifier.
func (r Ref[T]) ID() string { return r.id }

// String returns the identifier.
func (r Ref[T]) String() string { return r.id }

// IsZero reports whether r is the zero (invalid) Ref.
func (r Ref[T]) IsZero() bool { return r.id == "" }

// MarshalJSON encodes r as a JSON string.
func (r Ref[T]) MarshalJSON() ([]byte, error) {
	return AppendJSONString(nil, r.id), nil
}

// AppendJSON appends r as a JSON string.
func (r Ref[T]) AppendJSON(b []byte) []byte { return AppendJSONString(b, r.id) }

// UnmarshalJSON decodes a JSON string, validating it with the default bound
// (255 bytes). Generated decoders apply the model's own bound instead.
func (r *Ref[T]) UnmarshalJSON(data []byte) error {
	s, err := strconv.Unquote(string(data))
	if err != nil || len(data) == 0 || data[0] != '"' {
		return fmt.Errorf("ref: want a JSON string, got %.20s", data)
	}
	if err := CheckIdentifier(s, 255); err != nil {
		return err
	}
	r.id = s
	return nil
}

// RefError reports an identifier refused by a Ref constructor.
type RefError struct {
	Model  string
	Raw    string
	Reason string
}

// Error says which model's identifier was refused and why.
func (e *RefError) Error() string {
	return fmt.Sprintf("invalid %s identifier %s: %s", e.Model, quoteShort(e.Raw), e.Reason)
}

// CheckIdentifier reports why s is not a valid identifier of at most maxLen
// bytes, or nil. Valid identifiers are non-empty valid UTF-8 with no control
// characters, no whitespace and none of '.', '*', '>' (which carry meaning
// in NATS subjects and Redis patterns).
func CheckIdentifier(s string, maxLen int) error {
	if s == "" {
		return errEmpty
	}
	if len(s) > maxLen {
		return fmt.Errorf("%d bytes, at most %d", len(s), maxLen)
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c < 0x20 || c == 0x7f:
				return fmt.Errorf("control character at byte %d", i)
			case c == ' ':
				return fmt.Errorf("whitespace at byte %d", i)
			case c == '.' || c == '*' || c == '>':
				return fmt.Errorf("%q at byte %d is not allowed", c, i)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return fmt.Errorf("invalid UTF-8 at byte %d", i)
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			return fmt.Errorf("control character %U at byte %d", r, i)
		case unicode.IsSpace(r):
			return fmt.Errorf("whitespace %U at byte %d", r, i)
		}
		i += size
	}
	return nil
}

type identError string

func (e identError) Error() string { return string(e) }

const errEmpty = identError("empty")

func quoteShort(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.QuoteToGraphic(s)
}
