package writer

import (
	"fmt"
	"strings"
)

// Unified renders c as a unified diff (3 lines of context) with a/ and b/
// path prefixes, as `git diff` prints it.
func Unified(c Change) string {
	oldName, newName := "a/"+c.Path, "b/"+c.Path
	switch c.Kind {
	case Create:
		oldName = "/dev/null"
	case Remove:
		newName = "/dev/null"
	}
	hunks := diffHunks(splitLines(string(c.Old)), splitLines(string(c.New)), 3)
	if len(hunks) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "--- %s\n+++ %s\n", oldName, newName)
	for _, h := range hunks {
		b.WriteString(h)
	}
	return b.String()
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

type op struct {
	kind byte // ' ', '-', '+'
	line string
}

// diffOps computes an edit script with the classic LCS table. Generated
// files are small (thousands of lines), so O(n·m) memory is acceptable; for
// very large inputs it falls back to replacing everything.
func diffOps(a, b []string) []op {
	if len(a)*len(b) > 25_000_000 {
		var ops []op
		for _, l := range a {
			ops = append(ops, op{'-', l})
		}
		for _, l := range b {
			ops = append(ops, op{'+', l})
		}
		return ops
	}
	n, m := len(a), len(b)
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []op
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			ops = append(ops, op{' ', a[i]})
			i++
			j++
		case lcs[i+1][j] >= lcs[i][j+1]:
			ops = append(ops, op{'-', a[i]})
			i++
		default:
			ops = append(ops, op{'+', b[j]})
			j++
		}
	}
	for ; i < n; i++ {
		ops = append(ops, op{'-', a[i]})
	}
	for ; j < m; j++ {
		ops = append(ops, op{'+', b[j]})
	}
	return ops
}

// diffHunks groups the edit script into hunks with ctx lines of context.
func diffHunks(a, b []string, ctx int) []string {
	ops := diffOps(a, b)
	var hunks []string
	for start := 0; start < len(ops); {
		// find next change
		for start < len(ops) && ops[start].kind == ' ' {
			start++
		}
		if start == len(ops) {
			break
		}
		lo := max(0, start-ctx)
		end := start
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*ctx {
				break
			}
			end = run
		}
		hi := min(len(ops), end+ctx)
		hunks = append(hunks, renderHunk(ops, lo, hi))
		start = hi
	}
	return hunks
}

func renderHunk(ops []op, lo, hi int) string {
	oldStart, newStart := 1, 1
	for _, o := range ops[:lo] {
		if o.kind != '+' {
			oldStart++
		}
		if o.kind != '-' {
			newStart++
		}
	}
	var body strings.Builder
	oldN, newN := 0, 0
	for _, o := range ops[lo:hi] {
		if o.kind != '+' {
			oldN++
		}
		if o.kind != '-' {
			newN++
		}
		body.WriteByte(o.kind)
		body.WriteString(o.line)
		if !strings.HasSuffix(o.line, "\n") {
			body.WriteString("\n\\ No newline at end of file\n")
		}
	}
	if oldN == 0 {
		oldStart--
	}
	if newN == 0 {
		newStart--
	}
	return fmt.Sprintf("@@ -%d,%d +%d,%d @@\n", oldStart, oldN, newStart, newN) + body.String()
}
