package ir

import "testing"

func TestGoName(t *testing.T) {
	for in, want := range map[string]string{
		"roomId":       "RoomID",
		"messageId":    "MessageID",
		"created_at":   "CreatedAt",
		"room.message": "RoomMessage",
		"url":          "URL",
		"userURL":      "UserURL",
		"x-forwarded":  "XForwarded",
		"content":      "Content",
		"Type":         "Type",
		"dm":           "DM",
		"v2":           "V2",
		"":             "",
		"__":           "",
		"ünïcode":      "Ünïcode",
	} {
		if got := GoName(in); got != want {
			t.Errorf("GoName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLowerCamel(t *testing.T) {
	for in, want := range map[string]string{"Room": "room", "DM": "dm", "URLPath": "urlPath", "room": "room", "X": "x", "": ""} {
		if got := lowerCamel(in); got != want {
			t.Errorf("lowerCamel(%q) = %q, want %q", in, got, want)
		}
	}
}
