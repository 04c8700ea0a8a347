package chatapi

import (
	"strings"
	"testing"
)

// checkSeeds are RoomEvent and DirectMessage payloads, valid and not.
var checkSeeds = []string{
	`{"type":"message","username":"alice","content":"hi","timestamp":1700000000000}`,
	`{"type":"message","username":"alice","content":"h\u00e9llo \"q\"","timestamp":1700000000000}`,
	`{"type":"join","username":"bob","timestamp":1700000000000}`,
	`{"type":"typing","username":"bob","timestamp":1700000000000}`,
	`{"type":"sent","messageId":"m-1"}`,
	`{"type":"message","username":"alice","content":"` + strings.Repeat("x", 4001) + `","timestamp":1}`,
	`{"type":"message","username":"","content":"hi","timestamp":1}`,
	`{"type":"message","username":"alice","content":"hi","timestamp":1,"extra":1}`,
	`{"type":"message","username":"alice","content":"hi","timestamp":1,"content":"again"}`,
	`{"type":"nope"}`,
	`{"username":"alice"}`,
	`{"from":"alice","content":"psst","timestamp":1700000000000}`,
	`{"from":"alice","content":"","timestamp":1700000000000}`,
	`{"from":"alice","to":"bob","content":"psst","timestamp":1700000000000}`,
	`{"from":"alice","content":"psst","timestamp":"x"}`,
	`not json`,
	`{"type":"message","username":"al\ud800ice","content":"hi","timestamp":1}`,
	``,
	`[]`,
}

// checkAgrees fails t unless the Bridge's check and the strict decoder of
// both channel message types give the same verdict and error on data.
func checkAgrees(t *testing.T, data []byte) {
	t.Helper()
	_, decErr := DecodeRoomEvent(data)
	if chkErr := jsgenCheckRoomEvent(data); errText(chkErr) != errText(decErr) {
		t.Fatalf("RoomEvent %q: check says %v, DecodeRoomEvent says %v", data, chkErr, decErr)
	}
	_, decErr = DecodeDirectMessage(data)
	if chkErr := jsgenCheckDirectMessage(data); errText(chkErr) != errText(decErr) {
		t.Fatalf("DirectMessage %q: check says %v, DecodeDirectMessage says %v", data, chkErr, decErr)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// The check the generated Bridge runs on other nodes' payloads accepts
// exactly what the strict decoder accepts, with the same errors.
func TestCheckAgreesWithDecode(t *testing.T) {
	valid := 0
	for _, s := range checkSeeds {
		checkAgrees(t, []byte(s))
		if jsgenCheckRoomEvent([]byte(s)) == nil || jsgenCheckDirectMessage([]byte(s)) == nil {
			valid++
		}
	}
	if valid < 4 {
		t.Fatalf("only %d valid seeds: the test would not compare acceptance", valid)
	}
}

// Checking a valid payload allocates nothing: the strings it reads are
// viewed in place, a union's variant is not boxed, and all is dropped.
func TestCheckAllocatesNothing(t *testing.T) {
	ev := []byte(`{"type":"message","username":"alice","content":"hello, this is a chat message","timestamp":1700000000000}`)
	if n := testing.AllocsPerRun(100, func() {
		if err := jsgenCheckRoomEvent(ev); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("checking a RoomEvent allocated %.0f times, want 0", n)
	}
	dm := []byte(`{"from":"alice","content":"a private message of some length","timestamp":1700000000000}`)
	if n := testing.AllocsPerRun(100, func() {
		if err := jsgenCheckDirectMessage(dm); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("checking a DirectMessage allocated %.0f times, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = DecodeDirectMessage(dm) }); n == 0 {
		t.Error("DecodeDirectMessage does not allocate: the comparison above proves nothing")
	}
}

func FuzzCheckAgreesWithDecode(f *testing.F) {
	for _, s := range checkSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkAgrees(t, data) })
}

// BenchmarkCheckVsDecode compares the Bridge's check of a received chat
// message with decoding it.
func BenchmarkCheckVsDecode(b *testing.B) {
	data := []byte(`{"type":"message","username":"alice","content":"hello, this is a chat message of ordinary length","timestamp":1700000000000}`)
	b.Run("check", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if err := jsgenCheckRoomEvent(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, err := DecodeRoomEvent(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
