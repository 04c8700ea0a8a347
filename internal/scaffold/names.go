package scaffold

import (
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// maxNameLength bounds a service name: it becomes a directory, a module
// path element, a route prefix and a channel prefix (64 bytes at most).
const maxNameLength = 40

var serviceName = regexp.MustCompile(`^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$`)

// CheckServiceName reports why name cannot name a room service, or nil: it
// must be lower-case ASCII letters and digits, start with a letter,
// optionally split into words by single '-' or '_' (for example "lobby",
// "game-rooms", "chat_v2"), and be at most 40 bytes long.
func CheckServiceName(name string) error {
	switch {
	case name == "":
		return userErrorf("a service name is required (for example: jsgen new room-service lobby)")
	case len(name) > maxNameLength:
		return userErrorf("service name %q is longer than %d bytes", name, maxNameLength)
	case !serviceName.MatchString(name):
		return userErrorf("invalid service name %q: use lower-case letters and digits, starting with a letter, words optionally split by single - or _ (for example lobby, game-rooms)", name)
	}
	return nil
}

// checkPackageName reports why name cannot be a Go package name for Init.
func checkPackageName(name string) error {
	if !token.IsIdentifier(name) || token.IsKeyword(name) || strings.ToLower(name) != name || len(name) > maxNameLength || strings.HasPrefix(name, "_") {
		return userErrorf("invalid package name %q: use a lower-case Go identifier (for example chatapi)", name)
	}
	return nil
}

// declaredNames are the declarations jsgen.yaml.tmpl makes; the controller
// must not take one of them.
var declaredNames = []string{
	"Room", "User", "ClientMessage", "JoinEvent", "LeaveEvent",
	"MessageEvent", "RoomEvent", "RoomChannels",
}

// controllerName derives the controller's Go name from a service or
// package name: "game-rooms" → "GameRooms". A name that a scaffolded
// declaration already uses gets the suffix "Service" ("room" →
// "RoomService").
func controllerName(name string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(name, func(r rune) bool { return r == '-' || r == '_' }) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	c := b.String()
	if slices.Contains(declaredNames, c) {
		c += "Service"
	}
	return c
}

// derivePackage makes a package name from a directory's base name the way
// jsgen does when jsgen.yaml names none: lower-cased, without - . and _.
func derivePackage(absDir string) (string, error) {
	base := filepath.Base(absDir)
	name := strings.ToLower(strings.NewReplacer("-", "", ".", "", "_", "").Replace(base))
	if checkPackageName(name) != nil {
		return "", userErrorf("cannot derive a Go package name from the directory name %q; pass a name", base)
	}
	return name, nil
}

// describeConflicts formats the existing files a scaffold refused to
// overwrite.
func describeConflicts(paths []string) error {
	return userErrorf("refusing to overwrite %d existing file(s) (use --force to overwrite):\n\t%s",
		len(paths), strings.Join(paths, "\n\t"))
}

// keyEnv is the environment variable a scaffolded service reads its token
// key from: "game-rooms" → "GAME_ROOMS_TOKEN_KEY".
func keyEnv(name string) string {
	return strings.ToUpper(strings.NewReplacer("-", "_").Replace(name)) + "_TOKEN_KEY"
}
