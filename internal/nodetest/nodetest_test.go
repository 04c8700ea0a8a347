package nodetest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInstallNeedsManifestAndLock(t *testing.T) {
	dir := t.TempDir()
	if _, err := install("npm", dir); err == nil || !strings.Contains(err.Error(), "package.json") {
		t.Fatalf("install without package.json: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := install("npm", dir); err == nil || !strings.Contains(err.Error(), "package-lock.json") {
		t.Fatalf("install without package-lock.json: %v", err)
	}
}

func TestNodeMajor(t *testing.T) {
	if _, err := nodeMajor(filepath.Join(t.TempDir(), "no-such-node")); err == nil {
		t.Fatal("nodeMajor of a missing executable succeeded")
	}
}
