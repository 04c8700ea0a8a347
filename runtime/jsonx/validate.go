package jsonx

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// Messages used by generated validators. The functions below build the
// message text of a violation; they are only called once a violation is
// found, so a valid message costs no allocation.
const (
	MsgRequired     = "required field is missing"
	MsgInvalidUTF8  = "invalid UTF-8"
	MsgKeyUTF8      = "a key is not valid UTF-8"
	MsgNotFinite    = "not a finite number"
	MsgTimeRange    = "timestamp out of range for Unix milliseconds"
	MsgRequiredItem = "null element"
)

// MinLengthMsg says a string has n characters where at least min are needed
// ("1 character, at least 2").
func MinLengthMsg(n, min int) string {
	if n == 1 {
		return fmt.Sprintf("1 character, at least %d", min)
	}
	return fmt.Sprintf("%d characters, at least %d", n, min)
}

// MaxLengthMsg says a string has n characters where at most max are allowed
// ("5 characters, at most 4").
func MaxLengthMsg(n, max int) string {
	if n == 1 {
		return fmt.Sprintf("1 character, at most %d", max)
	}
	return fmt.Sprintf("%d characters, at most %d", n, max)
}

// PatternMsg says a string does not match pattern.
func PatternMsg(pattern string) string { return "does not match pattern " + strconv.Quote(pattern) }

// MinIntMsg says the integer v is below min.
func MinIntMsg(v, min int64) string { return fmt.Sprintf("%d, at least %d", v, min) }

// MaxIntMsg says the integer v is above max.
func MaxIntMsg(v, max int64) string { return fmt.Sprintf("%d, at most %d", v, max) }

// MinFloatMsg says the number v is below min.
func MinFloatMsg(v, min float64) string {
	return string(AppendFloat(nil, v)) + ", at least " + string(AppendFloat(nil, min))
}

// MaxFloatMsg says the number v is above max.
func MaxFloatMsg(v, max float64) string {
	return string(AppendFloat(nil, v)) + ", at most " + string(AppendFloat(nil, max))
}

// MinItemsMsg says an array has n items where at least min are needed
// ("1 item, at least 2").
func MinItemsMsg(n, min int) string {
	if n == 1 {
		return fmt.Sprintf("1 item, at least %d", min)
	}
	return fmt.Sprintf("%d items, at least %d", n, min)
}

// MaxItemsMsg says an array has n items where at most max are allowed
// ("4 items, at most 3").
func MaxItemsMsg(n, max int) string {
	if n == 1 {
		return fmt.Sprintf("1 item, at most %d", max)
	}
	return fmt.Sprintf("%d items, at most %d", n, max)
}

// EnumMsg says v is not one of the allowed values (listed, comma-separated,
// in allowed).
func EnumMsg(v, allowed string) string {
	return strconv.Quote(v) + " is not one of " + allowed
}

// RefMsg says a Ref to model is the zero (empty) Ref.
func RefMsg(model string) string { return "missing " + model + " identifier" }

// VariantMsg says v is not a variant of union.
func VariantMsg(union string, v any) string {
	if v == nil {
		return MsgRequired
	}
	return fmt.Sprintf("%T is not a variant of %s", v, union)
}

// Finite reports whether f is neither NaN nor infinite.
func Finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// The bounds of Unix milliseconds that fit an int64, split into seconds
// (rounded down) and the milliseconds remaining.
const (
	maxSec, maxSecMs = math.MaxInt64 / 1000, math.MaxInt64 % 1000        // 9223372036854775, 807
	minSec, minSecMs = math.MinInt64/1000 - 1, 1000 + math.MinInt64%1000 // -9223372036854776, 192
)

// ValidTime reports whether t's Unix milliseconds fit an int64, so that it
// survives encoding.
func ValidTime(t time.Time) bool {
	sec, ms := t.Unix(), t.Nanosecond()/1e6
	switch {
	case sec > minSec && sec < maxSec:
		return true
	case sec == maxSec:
		return ms <= maxSecMs
	case sec == minSec:
		return ms >= minSecMs
	}
	return false
}

// SortFrom sorts errs[start:] by path, keeping the order of errors at the
// same path. Generated validators use it after walking a map, whose
// iteration order is random, so that reports are deterministic.
func SortFrom(errs jsgenrt.FieldErrors, start int) {
	if len(errs)-start < 2 {
		return
	}
	slices.SortStableFunc(errs[start:], func(a, b jsgenrt.FieldError) int { return cmp.Compare(a.Path, b.Path) })
}
