package yamlspec

import (
	"sort"
	"unicode/utf8"
)

// lineIndex maps between byte offsets and positions in the input. Lines
// break where YAML breaks them: at LF, CR, CRLF, NEL, LS and PS. Columns
// are bytes (as in diag.Pos), while the YAML library counts characters and
// skips a leading byte order mark; byteCol converts.
type lineIndex struct {
	data   []byte
	starts []int  // byte offset of the start of each line
	ascii  []bool // whether each line is ASCII only (columns are then bytes)

	// Memo of the last conversion, so that converting the columns of a
	// long line in increasing order costs linear time overall.
	memoLine, memoChars, memoOff int
}

// newLineIndex indexes the lines of data.
func newLineIndex(data []byte) *lineIndex {
	ix := &lineIndex{data: data, starts: []int{0}}
	ascii := true
	for i := 0; i < len(data); {
		n := breakLen(data[i:])
		if n == 0 {
			ascii = ascii && data[i] < utf8.RuneSelf
			i++
			continue
		}
		i += n
		ix.starts = append(ix.starts, i)
		ix.ascii = append(ix.ascii, ascii)
		ascii = true
	}
	ix.ascii = append(ix.ascii, ascii)
	return ix
}

// breakLen returns the length of the line break at the start of b, or 0.
func breakLen(b []byte) int {
	switch {
	case b[0] == '\n':
		return 1
	case b[0] == '\r':
		if len(b) > 1 && b[1] == '\n' {
			return 2
		}
		return 1
	case len(b) > 1 && b[0] == 0xc2 && b[1] == 0x85:
		return 2
	case len(b) > 2 && b[0] == 0xe2 && b[1] == 0x80 && (b[2] == 0xa8 || b[2] == 0xa9):
		return 3
	}
	return 0
}

// lineCount is the number of lines (at least 1); a final line break does
// not start a new line.
func (ix *lineIndex) lineCount() int {
	n := len(ix.starts)
	if n > 1 && ix.starts[n-1] == len(ix.data) {
		n--
	}
	return n
}

// lineAt returns the 1-based line and byte column of offset off.
func (ix *lineIndex) lineAt(off int) (line, col int) {
	i := sort.Search(len(ix.starts), func(i int) bool { return ix.starts[i] > off }) - 1
	return i + 1, off - ix.starts[i] + 1
}

// text returns line n (1-based) without its break, "" when out of range.
func (ix *lineIndex) text(n int) string {
	if n < 1 || n > len(ix.starts) {
		return ""
	}
	start, end := ix.starts[n-1], len(ix.data)
	if n < len(ix.starts) {
		end = ix.starts[n]
	}
	return string(trimBreak(ix.data[start:end]))
}

// trimBreak removes the line break that ends line, if any.
func trimBreak(line []byte) []byte {
	for i := range line {
		if breakLen(line[i:]) > 0 {
			return line[:i]
		}
	}
	return line
}

// byteCol converts the YAML library's column (characters since the start of
// the line, the byte order mark not counted, 1-based) on line to a byte
// column. Out-of-range input is returned unchanged.
func (ix *lineIndex) byteCol(line, chars int) int {
	if line < 1 || line > len(ix.starts) || chars < 1 || ix.ascii[line-1] {
		return chars
	}
	start := ix.starts[line-1]
	off, done := start, 1
	if line == 1 && len(ix.data) >= 3 && string(ix.data[:3]) == "\ufeff" {
		off = 3
	}
	if ix.memoLine == line && ix.memoChars <= chars && ix.memoChars > 0 {
		off, done = ix.memoOff, ix.memoChars
	}
	for ; done < chars && off < len(ix.data); done++ {
		if breakLen(ix.data[off:]) > 0 {
			break
		}
		_, size := utf8.DecodeRune(ix.data[off:])
		off += size
	}
	ix.memoLine, ix.memoChars, ix.memoOff = line, done, off
	return off - start + 1
}
