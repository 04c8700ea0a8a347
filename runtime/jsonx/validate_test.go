package jsonx

import "testing"

// TestCountMsgPlurals: the messages that count characters or items use the
// singular for one and the plural otherwise.
func TestCountMsgPlurals(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{MinLengthMsg(1, 2), "1 character, at least 2"},
		{MinLengthMsg(0, 1), "0 characters, at least 1"},
		{MinLengthMsg(2, 3), "2 characters, at least 3"},
		{MaxLengthMsg(1, 0), "1 character, at most 0"},
		{MaxLengthMsg(5, 4), "5 characters, at most 4"},
		{MinItemsMsg(1, 2), "1 item, at least 2"},
		{MinItemsMsg(0, 1), "0 items, at least 1"},
		{MaxItemsMsg(1, 0), "1 item, at most 0"},
		{MaxItemsMsg(4, 3), "4 items, at most 3"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
