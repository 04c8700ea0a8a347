package jsonx

import (
	"strconv"
	"strings"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// Invalid records a shape failure with message msg at p. Generated decoders
// use it for values that are well-formed JSON of the right type but still
// unacceptable (such as an identifier a Ref constructor refused).
func (r *Reader) Invalid(p *Path, msg string) { r.shape(p, msg) }

// SkipUnknown records that the object at p has the member key, which is
// not one of known, and skips its value. The failure's path is the member's
// own; when key matches a known name except for case, the message suggests
// it:
//
//	Content: unknown field (did you mean "content"?)
func (r *Reader) SkipUnknown(p *Path, key []byte, known ...string) {
	if r.failed {
		return
	}
	kp := Path{Parent: p, Key: string(key)}
	msg := "unknown field"
	for _, k := range known {
		if strings.EqualFold(k, kp.Key) {
			msg += " (did you mean " + strconv.Quote(k) + "?)"
			break
		}
	}
	r.shape(&kp, msg)
	r.skip(&kp)
}

// SkipDuplicate records that the object at p has the member key a second
// time, and skips the second value. The failure's path is the member's own.
func (r *Reader) SkipDuplicate(p *Path, key string) {
	if r.failed {
		return
	}
	kp := Path{Parent: p, Key: key}
	r.shape(&kp, "duplicate field")
	r.skip(&kp)
}

// Missing records that the required member name of the object at p is
// absent. The failure's path is the member's own.
func (r *Reader) Missing(p *Path, name string) {
	if !r.failed {
		r.shapeAt(p.Child(name), "required field is missing")
	}
}

// ReadRef reads an identifier string at p and turns it into a Ref with ctor
// (a generated constructor such as RoomRef), recording ctor's refusal as a
// shape failure. The zero Ref is returned on any failure.
func ReadRef[T any](r *Reader, p *Path, ctor func(string) (jsgenrt.Ref[T], error)) jsgenrt.Ref[T] {
	s, ok := r.readString(p, "string (an identifier)")
	if !ok {
		return jsgenrt.Ref[T]{}
	}
	ref, err := ctor(s)
	if err != nil {
		r.shape(p, err.Error())
		return jsgenrt.Ref[T]{}
	}
	return ref
}

// Discriminator looks ahead into the object at p for the member name (a
// union's discriminator) and returns its string value without consuming
// anything. ok is false when the value at p is not an object, the member is
// not a string, or the JSON is malformed: then the failure is recorded and
// the value skipped. found is false when the object has no such member. The
// tag bytes are valid until the next call on r.
func (r *Reader) Discriminator(p *Path, name string) (tag []byte, found, ok bool) {
	c, ok := r.next(p)
	if !ok {
		return nil, false, false
	}
	if c != '{' {
		r.mismatch(p, "object", c)
		return nil, false, false
	}
	probe := Reader{data: r.data, pos: r.pos, depth: r.depth}
	if !probe.open(nil) {
		r.skip(p) // records the nesting failure on r
		return nil, false, false
	}
	var member []byte // the member whose value the probe is reading
	for {
		member = nil
		key, more := probe.Key(nil)
		if !more {
			break
		}
		member = key
		if string(key) != name {
			if probe.skip(nil); probe.failed {
				break
			}
			continue
		}
		c, more := probe.next(nil)
		if !more {
			break
		}
		if c != '"' {
			r.shapeAt(p.Child(name), "want string, got "+kindOf(c))
			r.undecoded(p)
			r.skip(p)
			return nil, false, false
		}
		start, end, escaped, more := probe.scanString(nil)
		if !more {
			break
		}
		if !escaped {
			return r.data[start:end], true, true
		}
		r.scratch = unescape(r.scratch[:0], r.data[start:end])
		return r.scratch, true, true
	}
	if probe.failed {
		r.adoptSyntax(&probe, p, member)
		return nil, false, false
	}
	return nil, false, true
}

// adoptSyntax records on r the syntax failure that probe, a look-ahead into
// the object at p, found: at the path of member when the failure is inside
// that member's value, else at p.
func (r *Reader) adoptSyntax(probe *Reader, p *Path, member []byte) {
	if r.failed {
		return
	}
	r.failed = true
	r.synOff = probe.synOff
	r.synMsg = probe.synMsg
	if member != nil {
		r.synPath = p.Child(string(member))
	} else {
		r.synPath = p.String()
	}
}

// SkipUnknownVariant records that the discriminator name of the object at p
// has the value tag, which is not one of known (a comma-separated list), and
// skips the object. The failure's path is the discriminator's; the union
// value at p is left undecoded (see ErrWith).
func (r *Reader) SkipUnknownVariant(p *Path, name string, tag []byte, known string) {
	if !r.failed {
		r.shapeAt(p.Child(name), "unknown "+name+" "+strconv.Quote(string(tag))+"; want one of "+known)
		r.undecoded(p)
	}
	r.skip(p)
}

// SkipMissingVariant records that the object at p lacks the discriminator
// name of its union, which has no default variant, and skips the object.
// The failure's path is the discriminator's; the union value at p is left
// undecoded (see ErrWith).
func (r *Reader) SkipMissingVariant(p *Path, name string) {
	if !r.failed {
		r.shapeAt(p.Child(name), MsgRequired)
		r.undecoded(p)
	}
	r.skip(p)
}

// CheckTag reads the discriminator name's value at p (the member's path)
// within a variant's own object and records a failure unless it is tag.
func (r *Reader) CheckTag(p *Path, tag string) {
	b, ok := r.StringBytes(p)
	if ok && string(b) != tag {
		r.shape(p, strconv.Quote(string(b))+" does not match this message; want "+strconv.Quote(tag))
	}
}
