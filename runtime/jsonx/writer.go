package jsonx

import (
	"math"
	"strconv"
	"time"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// AppendFloat appends f as a JSON number in the format encoding/json uses:
// the shortest representation that reads back as f, in exponent form only
// below 1e-6 and from 1e21 up (1e-07 is written 1e-7). JSON has no NaN or
// infinity: they are written as null, which strict decoders refuse and
// which generated validators report beforehand.
func AppendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// Shorten a two-digit negative exponent with a leading zero: e-07 → e-7.
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// AppendInt appends v as a JSON number.
func AppendInt(b []byte, v int64) []byte { return strconv.AppendInt(b, v, 10) }

// AppendBool appends true or false.
func AppendBool(b []byte, v bool) []byte { return strconv.AppendBool(b, v) }

// AppendString appends s as a JSON string (see runtime.AppendJSONString:
// invalid UTF-8 becomes U+FFFD, U+2028 and U+2029 are escaped).
func AppendString(b []byte, s string) []byte { return jsgenrt.AppendJSONString(b, s) }

// AppendTime appends t as a JSON integer: milliseconds since the Unix epoch
// (finer precision is dropped), the wire form of a timestamp.
func AppendTime(b []byte, t time.Time) []byte { return strconv.AppendInt(b, t.UnixMilli(), 10) }
