package jsonx

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestAppendFloatMatchesEncodingJSON(t *testing.T) {
	values := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1e-6, 9.99e-7, 1e-7, 1e20, 1e21, 123456789e13,
		math.MaxFloat64, math.SmallestNonzeroFloat64, 1.5e-300, 3.14159, -2.5e25, 1e-10}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		f := math.Float64frombits(rng.Uint64())
		if !math.IsNaN(f) && !math.IsInf(f, 0) {
			values = append(values, f)
		}
		values = append(values, rng.NormFloat64()*math.Pow(10, float64(rng.IntN(40)-20)))
	}
	for _, f := range values {
		want, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendFloat(nil, f); string(got) != string(want) {
			t.Fatalf("AppendFloat(%v) = %s, want %s", f, got, want)
		}
		var r Reader
		r.Reset(want)
		if back := r.Float64(nil); back != f || r.Err() != nil {
			t.Fatalf("Float64(%s) = %v, %v", want, back, r.Err())
		}
	}
	if got := string(AppendFloat(nil, math.NaN())); got != "null" {
		t.Errorf("NaN = %s", got)
	}
}

func TestAppendScalars(t *testing.T) {
	b := AppendInt(nil, -42)
	b = append(b, ' ')
	b = AppendBool(b, true)
	b = append(b, ' ')
	b = AppendString(b, "a\"\n\u2028")
	b = append(b, ' ')
	b = AppendTime(b, time.UnixMilli(1700000000123).Add(999*time.Microsecond))
	if got, want := string(b), `-42 true "a\"\n\u2028" 1700000000123`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
