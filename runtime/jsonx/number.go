package jsonx

import (
	"math"
	"math/bits"
	"strconv"
	"time"
)

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// scanNumber scans a number at r.pos following the JSON grammar exactly and
// leaves r.pos after it. integer reports that it has neither a fraction nor
// an exponent.
func (r *Reader) scanNumber(p *Path) (start, end int, integer, ok bool) {
	data := r.data
	i := r.pos
	start = i
	if data[i] == '-' {
		i++
	}
	if i >= len(data) {
		r.syntax(p, i, "unexpected end of JSON input in number")
		return 0, 0, false, false
	}
	switch c := data[i]; {
	case c == '0':
		i++
		if i < len(data) && isDigit(data[i]) {
			r.syntax(p, i, "leading zero in number")
			return 0, 0, false, false
		}
	case c >= '1' && c <= '9':
		i++
		for i < len(data) && isDigit(data[i]) {
			i++
		}
	default:
		r.syntax(p, i, "invalid character %s in number", quoteChar(c))
		return 0, 0, false, false
	}
	integer = true
	if i < len(data) && data[i] == '.' {
		integer = false
		i++
		if i = r.digits(p, i, "after decimal point"); i < 0 {
			return 0, 0, false, false
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		integer = false
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i = r.digits(p, i, "in exponent"); i < 0 {
			return 0, 0, false, false
		}
	}
	r.pos = i
	return start, i, integer, true
}

// digits consumes one or more digits at data[i:] and returns the index
// after them, or -1 after recording a syntax failure.
func (r *Reader) digits(p *Path, i int, where string) int {
	data := r.data
	if i >= len(data) {
		r.syntax(p, i, "unexpected end of JSON input in number")
		return -1
	}
	if !isDigit(data[i]) {
		r.syntax(p, i, "invalid character %s %s; want a digit", quoteChar(data[i]), where)
		return -1
	}
	for i < len(data) && isDigit(data[i]) {
		i++
	}
	return i
}

// readNumber reads a number token at p, or records a mismatch naming want.
func (r *Reader) readNumber(p *Path, want string) (tok []byte, integer, ok bool) {
	c, ok := r.next(p)
	if !ok {
		return nil, false, false
	}
	if c != '-' && !isDigit(c) {
		r.mismatch(p, want, c)
		return nil, false, false
	}
	start, end, integer, ok := r.scanNumber(p)
	if !ok {
		return nil, false, false
	}
	return r.data[start:end], integer, true
}

// Int64 reads an integer at p. Numbers written with a fraction or exponent
// are accepted only if their value is an exact integer (2.0, 1e3); values
// outside the int64 range are refused.
func (r *Reader) Int64(p *Path) int64 {
	v, _ := r.readInt(p, "integer", 64)
	return v
}

// Int reads an integer at p that fits a Go int, as Int64 does.
func (r *Reader) Int(p *Path) int {
	v, _ := r.readInt(p, "integer", strconv.IntSize)
	return int(v)
}

// Timestamp reads a timestamp at p: an integer count of milliseconds since
// the Unix epoch. The result is in UTC.
func (r *Reader) Timestamp(p *Path) time.Time {
	v, ok := r.readInt(p, "integer (Unix milliseconds)", 64)
	if !ok {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func (r *Reader) readInt(p *Path, want string, bitSize int) (int64, bool) {
	tok, integer, ok := r.readNumber(p, want)
	if !ok {
		return 0, false
	}
	v, problem := parseInt(tok, integer, bitSize)
	switch problem {
	case intNotInteger:
		r.shape(p, shortNumber(tok)+" is not an integer")
		return 0, false
	case intOverflow:
		r.shape(p, shortNumber(tok)+" is out of range for a "+strconv.Itoa(bitSize)+"-bit integer")
		return 0, false
	}
	return v, true
}

func shortNumber(tok []byte) string {
	if len(tok) > 40 {
		return string(tok[:40]) + "…"
	}
	return string(tok)
}

type intProblem int

const (
	intOK intProblem = iota
	intNotInteger
	intOverflow
)

// parseInt converts a JSON number token to an integer of bitSize bits,
// exactly: no rounding ever happens.
func parseInt(tok []byte, integer bool, bitSize int) (int64, intProblem) {
	neg := tok[0] == '-'
	if neg {
		tok = tok[1:]
	}
	limit := uint64(1)<<(bitSize-1) - 1 // max positive
	if neg {
		limit++
	}
	if integer && len(tok) <= 18 {
		var u uint64
		for _, c := range tok {
			u = u*10 + uint64(c-'0')
		}
		return finishInt(u, neg, limit)
	}
	mant, exp := splitNumber(tok)
	// Drop leading zeros of the mantissa digits, then trailing zeros (each
	// one raises the exponent).
	for len(mant) > 0 && mant[0] == '0' {
		mant = mant[1:]
	}
	if len(mant) == 0 {
		return 0, intOK
	}
	for mant[len(mant)-1] == '0' {
		mant = mant[:len(mant)-1]
		exp++
	}
	if exp < 0 {
		return 0, intNotInteger
	}
	if int64(len(mant))+exp > 20 {
		return 0, intOverflow
	}
	var u uint64
	for _, c := range mant {
		hi, lo := bits.Mul64(u, 10)
		if hi != 0 {
			return 0, intOverflow
		}
		var carry uint64
		u, carry = bits.Add64(lo, uint64(c-'0'), 0)
		if carry != 0 {
			return 0, intOverflow
		}
	}
	for ; exp > 0; exp-- {
		hi, lo := bits.Mul64(u, 10)
		if hi != 0 {
			return 0, intOverflow
		}
		u = lo
	}
	return finishInt(u, neg, limit)
}

func finishInt(u uint64, neg bool, limit uint64) (int64, intProblem) {
	if u > limit {
		return 0, intOverflow
	}
	if neg {
		return int64(-u), intOK // -u wraps correctly for u == 1<<63
	}
	return int64(u), intOK
}

// splitNumber returns the digits of an unsigned number token (integer and
// fraction digits, without the point) and the power of ten they are to be
// multiplied by. The exponent saturates far beyond any int64.
func splitNumber(tok []byte) (mant []byte, exp int64) {
	i := 0
	for i < len(tok) && isDigit(tok[i]) {
		i++
	}
	intEnd := i
	mant = make([]byte, 0, len(tok))
	mant = append(mant, tok[:intEnd]...)
	if i < len(tok) && tok[i] == '.' {
		i++
		j := i
		for i < len(tok) && isDigit(tok[i]) {
			i++
		}
		mant = append(mant, tok[j:i]...)
		exp -= int64(i - j)
	}
	if i < len(tok) {
		i++ // 'e' or 'E'
		neg := false
		if tok[i] == '+' || tok[i] == '-' {
			neg = tok[i] == '-'
			i++
		}
		var e int64
		for ; i < len(tok); i++ {
			if e < 1e12 {
				e = e*10 + int64(tok[i]-'0')
			}
		}
		if neg {
			e = -e
		}
		exp += e
	}
	return mant, exp
}

// Float64 reads a number at p. Numbers too large for a float64 are refused.
func (r *Reader) Float64(p *Path) float64 {
	tok, _, ok := r.readNumber(p, "number")
	if !ok {
		return 0
	}
	f, err := strconv.ParseFloat(string(tok), 64)
	if err != nil || math.IsInf(f, 0) {
		r.shape(p, shortNumber(tok)+" is out of range for a 64-bit float")
		return 0
	}
	return f
}
