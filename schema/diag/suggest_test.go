package diag

import "testing"

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "", 3},
		{"", "abc", 3},
		{"models", "models", 0},
		{"Models", "models", 0}, // case is ignored
		{"modles", "models", 1}, // a swap of neighbours is one edit
		{"model", "models", 1},
		{"mdels", "models", 1},
		{"kitten", "sitting", 3},
		{"ca", "abc", 3}, // optimal string alignment, not full Damerau
	} {
		if got := Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := Distance(c.b, c.a); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (symmetric)", c.b, c.a, got, c.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	keys := []string{"messages", "models", "unions", "channels"}
	for _, c := range []struct {
		got   string
		limit int
		want  string
	}{
		{"modles", 1, "models"},
		{"MESAGES", 1, "messages"},
		{"chanels", 2, "channels"},
		{"routes", 2, ""}, // nothing close
		{"unoins", 0, ""}, // over the limit
		{"models", 0, "models"},
	} {
		if got := Suggest(c.got, keys, c.limit); got != c.want {
			t.Errorf("Suggest(%q, limit %d) = %q, want %q", c.got, c.limit, got, c.want)
		}
	}
	// On a tie the earlier candidate wins.
	if got := Suggest("ab", []string{"ac", "ad"}, 1); got != "ac" {
		t.Errorf("tie: got %q, want ac", got)
	}
}
