// Package nodetest gives Go tests a Node.js toolchain with pinned npm
// packages, for checking jsgen's JavaScript-facing artefacts (the TypeScript
// client, the AsyncAPI document) with the tools their users run.
//
// A test directory holds a committed package.json and package-lock.json;
// Setup installs exactly that lock with `npm ci` into a cache directory
// outside the source tree (keyed by the lock file's hash, so reinstalling
// happens only when the lock changes) and never writes node_modules into the
// repository. When node or npm is missing, too old, or the install fails,
// the test is skipped with a message saying so — or failed, when the
// environment variable JSGEN_REQUIRE_SERVICES is "1" (as in CI).
package nodetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// RequireEnv is the environment variable that turns a skip into a failure
// when set to "1".
const RequireEnv = "JSGEN_REQUIRE_SERVICES"

// MinNodeMajor is the oldest Node.js major version the tests accept.
const MinNodeMajor = 20

// installTimeout bounds one npm ci.
const installTimeout = 10 * time.Minute

// Env is a Node.js toolchain with one package directory's npm packages
// installed.
type Env struct {
	// Node is the path of the node executable.
	Node string
	// Major is node's major version.
	Major int
	// Dir is the directory whose node_modules holds the installed packages.
	Dir string
}

// Unavailable skips t with msg, or fails it when RequireEnv is "1".
func Unavailable(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s (%s=1 requires it)", msg, RequireEnv)
	}
	t.Skipf("%s; skipping (set %s=1 to make this a failure)", msg, RequireEnv)
}

// Setup returns an Env in which the packages locked by pkgDir's
// package.json and package-lock.json are installed. It calls Unavailable
// when node or npm cannot be found, node is older than MinNodeMajor, or
// npm ci fails.
func Setup(t testing.TB, pkgDir string) *Env {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		Unavailable(t, "node is not installed")
	}
	major, err := nodeMajor(node)
	if err != nil {
		Unavailable(t, err.Error())
	}
	if major < MinNodeMajor {
		Unavailable(t, fmt.Sprintf("node %d is older than %d", major, MinNodeMajor))
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		Unavailable(t, "npm is not installed")
	}
	dir, err := install(npm, pkgDir)
	if err != nil {
		Unavailable(t, "npm packages unavailable: "+err.Error())
	}
	return &Env{Node: node, Major: major, Dir: dir}
}

// Module returns the path of the installed package name's directory.
func (e *Env) Module(name string) string {
	return filepath.Join(e.Dir, "node_modules", filepath.FromSlash(name))
}

// Command returns a command running node with args in dir, with NODE_PATH
// set so that scripts anywhere can require the installed packages.
func (e *Env) Command(ctx context.Context, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, e.Node, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(e.Dir, "node_modules"), "NO_COLOR=1")
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// Run runs node with args in dir and returns its combined output; a
// non-zero exit is an error that includes the output.
func (e *Env) Run(ctx context.Context, dir string, args ...string) ([]byte, error) {
	out, err := e.Command(ctx, dir, args...).CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("node %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return out, nil
}

// nodeMajor returns the major version of the node executable.
func nodeMajor(node string) (int, error) {
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return 0, fmt.Errorf("node --version: %w", err)
	}
	v := strings.TrimPrefix(strings.TrimSpace(string(out)), "v")
	major, _, _ := strings.Cut(v, ".")
	n, err := strconv.Atoi(major)
	if err != nil {
		return 0, fmt.Errorf("node --version printed %q", out)
	}
	return n, nil
}

// install makes sure the packages of pkgDir's lock are installed in the
// cache and returns the directory holding node_modules. It installs into a
// fresh directory and renames it into place, so concurrent test processes
// never see a half-installed tree.
func install(npm, pkgDir string) (string, error) {
	manifest, err := os.ReadFile(filepath.Join(pkgDir, "package.json"))
	if err != nil {
		return "", fmt.Errorf("read package.json: %w", err)
	}
	lock, err := os.ReadFile(filepath.Join(pkgDir, "package-lock.json"))
	if err != nil {
		return "", fmt.Errorf("read package-lock.json: %w", err)
	}
	root, err := cacheRoot()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(append(append(manifest, 0), lock...))
	dir := filepath.Join(root, hex.EncodeToString(sum[:12]))
	if _, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json")); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("create npm cache directory: %w", err)
	}
	tmp, err := os.MkdirTemp(root, "install-")
	if err != nil {
		return "", fmt.Errorf("create install directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	for name, data := range map[string][]byte{"package.json": manifest, "package-lock.json": lock} {
		if err := os.WriteFile(filepath.Join(tmp, name), data, 0o644); err != nil {
			return "", fmt.Errorf("copy %s: %w", name, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), installTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error",
		"--fetch-retries=2", "--fetch-timeout=60000", "--fetch-retry-maxtimeout=20000")
	cmd.Dir = tmp
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("npm ci in a copy of %s: %w\n%s", pkgDir, err, out.Bytes())
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, statErr := os.Stat(dir); statErr == nil {
			return dir, nil // another process installed it first
		}
		return "", fmt.Errorf("move installed packages into place: %w", err)
	}
	return dir, nil
}

// cacheRoot is where installed package trees are kept between test runs.
func cacheRoot() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	if base == "" {
		return "", errors.New("no cache or temporary directory")
	}
	return filepath.Join(base, "jsgen", "nodetest"), nil
}
