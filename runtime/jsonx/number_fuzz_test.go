package jsonx

import (
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var smallExponent = regexp.MustCompile(`^[^eE]*([eE][+-]?0*[0-9]{1,3})?$`)

// FuzzInt64 checks integer reading against math/big on number tokens with
// modest exponents: accepted exactly when the value is an integer in range.
func FuzzInt64(f *testing.F) {
	for _, s := range []string{"0", "-0", "1.0", "1e3", "1.5", "9223372036854775807", "9223372036854775808",
		"-9223372036854775808", "0.0001e4", "922337203685477580.7e1", "1e19", "12e-1", "100e-2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var r Reader
		r.Reset([]byte(s))
		got := r.Int64(nil)
		r.End()
		err := r.Err()
		s = strings.Trim(s, " \t\r\n")
		if !Valid([]byte(s)) || !smallExponent.MatchString(s) || s[0] == '"' || s[0] == '[' || s[0] == '{' ||
			s[0] == 't' || s[0] == 'f' || s[0] == 'n' {
			return
		}
		rat, ok := new(big.Rat).SetString(s)
		if !ok {
			t.Fatalf("big.Rat refuses %q", s)
		}
		wantOK := rat.IsInt() && rat.Num().IsInt64()
		if wantOK != (err == nil) {
			t.Fatalf("Int64(%q) = %d, %v; big says integer in range = %v", s, got, err, wantOK)
		}
		if wantOK && got != rat.Num().Int64() {
			t.Fatalf("Int64(%q) = %d, want %d", s, got, rat.Num().Int64())
		}
		if !wantOK {
			return
		}
		// Cross-check the 32-bit limit used for int on 32-bit platforms.
		v32, problem := parseInt([]byte(s), false, 32)
		fits := got >= math.MinInt32 && got <= math.MaxInt32
		if fits != (problem == intOK) || fits && v32 != got {
			t.Fatalf("parseInt(%q, 32) = %d, %v; 64-bit value %s", s, v32, problem, strconv.FormatInt(got, 10))
		}
	})
}
