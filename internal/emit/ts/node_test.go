package ts

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jsgen-dev/jsgen/internal/nodetest"
	"github.com/jsgen-dev/jsgen/schema/ir"
)

// The tests in this file run the generated module through the TypeScript
// compiler and Node.js, with the npm packages locked in testdata/node. They
// skip when Node.js or npm is unavailable, and fail then under
// JSGEN_REQUIRE_SERVICES=1.

// strictest are the compiler options every check uses on top of its own.
var strictest = map[string]any{
	"strict":                             true,
	"exactOptionalPropertyTypes":         true,
	"noUncheckedIndexedAccess":           true,
	"noImplicitReturns":                  true,
	"noImplicitOverride":                 true,
	"noFallthroughCasesInSwitch":         true,
	"noPropertyAccessFromIndexSignature": true,
	"noUnusedLocals":                     true,
	"noUnusedParameters":                 true,
	"erasableSyntaxOnly":                 true,
	"verbatimModuleSyntax":               true,
	"isolatedModules":                    true,
	"forceConsistentCasingInFileNames":   true,
}

// tsconfig returns strictest plus more, as a tsconfig.json body for files.
func tsconfig(files []string, more map[string]any) []byte {
	opts := map[string]any{}
	for k, v := range strictest {
		opts[k] = v
	}
	for k, v := range more {
		opts[k] = v
	}
	data, err := json.MarshalIndent(map[string]any{"compilerOptions": opts, "files": files}, "", "  ")
	if err != nil {
		panic(err)
	}
	return data
}

// workDir returns a temporary directory holding client.ts (the module
// generated for p), the given testdata/node files, and a node_modules link
// to env's packages.
func workDir(t *testing.T, env *nodetest.Env, p *ir.Program, files ...string) string {
	t.Helper()
	f, err := generate(p)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	dir := t.TempDir()
	write(t, filepath.Join(dir, f.Path), f.Data)
	for _, name := range files {
		data, err := os.ReadFile(filepath.Join("testdata", "node", name))
		if err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(dir, filepath.Base(name)), data)
	}
	if err := os.Symlink(filepath.Join(env.Dir, "node_modules"), filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// tsc runs the TypeScript compiler on dir's tsconfig.json.
func tsc(t *testing.T, env *nodetest.Env, dir string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := env.Run(ctx, dir, env.Module("typescript")+"/bin/tsc", "-p", "tsconfig.json", "--pretty", "false"); err != nil {
		t.Fatalf("tsc: %v", err)
	}
}

// TestTypeCheck compiles the generated modules with tsc under the strictest
// options, without and with the DOM library; for the chat app, together
// with code using the client that must type-check and lines that must not
// (// @ts-expect-error).
func TestTypeCheck(t *testing.T) {
	env := nodetest.Setup(t, filepath.Join("testdata", "node"))
	base := map[string]any{"target": "ES2020", "module": "ES2020", "moduleResolution": "bundler", "noEmit": true, "types": []string{}}
	cases := []struct {
		name  string
		prog  func(*testing.T) *ir.Program
		files []string
		lib   []string
	}{
		{"chat-no-dom", chatProgram, []string{"check/usage.ts"}, []string{"ES2020"}},
		{"chat-dom", chatProgram, []string{"check/usage.ts", "check/dom.ts"}, []string{"ES2020", "DOM"}},
		{"kinds-no-dom", kindsProgram, nil, []string{"ES2020"}},
		{"kinds-dom", kindsProgram, nil, []string{"ES2020", "DOM"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := workDir(t, env, c.prog(t), c.files...)
			files := []string{FileName}
			for _, f := range c.files {
				files = append(files, filepath.Base(f))
			}
			opts := map[string]any{"lib": c.lib}
			for k, v := range base {
				opts[k] = v
			}
			write(t, filepath.Join(dir, "tsconfig.json"), tsconfig(files, opts))
			tsc(t, env, dir)
		})
	}
}

// TestTypeCheckCatchesErrors makes sure the type check is not vacuous: a
// misuse of the generated client fails it.
func TestTypeCheckCatchesErrors(t *testing.T) {
	env := nodetest.Setup(t, filepath.Join("testdata", "node"))
	dir := workDir(t, env, chatProgram(t))
	write(t, filepath.Join(dir, "bad.ts"), []byte(`import { connectChatRoom } from "./client.js";
connectChatRoom("ws://x", { params: { roomId: "r" } }).send({ type: "nope" });
`))
	write(t, filepath.Join(dir, "tsconfig.json"), tsconfig([]string{FileName, "bad.ts"},
		map[string]any{"target": "ES2020", "module": "ES2020", "moduleResolution": "bundler", "noEmit": true, "types": []string{}, "lib": []string{"ES2020"}}))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := env.Run(ctx, dir, env.Module("typescript")+"/bin/tsc", "-p", "tsconfig.json", "--pretty", "false")
	if err == nil || !strings.Contains(string(out), `"nope"`) {
		t.Fatalf("tsc accepted a ClientMessage of type \"nope\" (err %v):\n%s", err, out)
	}
}

// compileRun compiles the chat client and the Node tests in
// testdata/node/run to ES modules, and returns the directory of the output.
func compileRun(t *testing.T, env *nodetest.Env) string {
	t.Helper()
	dir := workDir(t, env, chatProgram(t), "run/chat.test.ts", "run/runtime.test.ts")
	write(t, filepath.Join(dir, "package.json"), []byte(`{"type": "module", "private": true}`+"\n"))
	write(t, filepath.Join(dir, "tsconfig.json"), tsconfig([]string{FileName, "chat.test.ts", "runtime.test.ts"}, map[string]any{
		"target": "ES2022", "module": "nodenext", "moduleResolution": "nodenext", "lib": []string{"ES2022"},
		"types": []string{"node"}, "outDir": "out",
	}))
	tsc(t, env, dir)
	return filepath.Join(dir, "out")
}

// nodeTest runs node --test on files in dir with the extra environment.
func nodeTest(t *testing.T, env *nodetest.Env, dir string, extraEnv []string, files ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	args := []string{"--test", "--test-reporter=spec"}
	if env.Major < 22 && supportsFlag(ctx, env, "--experimental-websocket") {
		// Node.js 20 has a global WebSocket behind this flag: test with it too.
		args = append(args, "--experimental-websocket")
	}
	cmd := env.Command(ctx, dir, append(args, files...)...)
	cmd.Env = append(cmd.Env, extraEnv...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test: %v\n%s", err, out)
	}
	t.Logf("node --test:\n%s", out)
}

func supportsFlag(ctx context.Context, env *nodetest.Env, flag string) bool {
	return exec.CommandContext(ctx, env.Node, flag, "-e", "").Run() == nil
}

// TestClientRuntime runs the Node tests of the client runtime on a scripted
// socket: URLs, queueing, classification of frames, reconnection.
func TestClientRuntime(t *testing.T) {
	env := nodetest.Setup(t, filepath.Join("testdata", "node"))
	out := compileRun(t, env)
	nodeTest(t, env, out, nil, "runtime.test.js")
}

// TestClientToken runs the Node tests of the token option on the kinds
// client, whose watch route declares an identity.
func TestClientToken(t *testing.T) {
	env := nodetest.Setup(t, filepath.Join("testdata", "node"))
	dir := workDir(t, env, kindsProgram(t), "run/auth.test.ts")
	write(t, filepath.Join(dir, "package.json"), []byte(`{"type": "module", "private": true}`+"\n"))
	write(t, filepath.Join(dir, "tsconfig.json"), tsconfig([]string{FileName, "auth.test.ts"}, map[string]any{
		"target": "ES2022", "module": "nodenext", "moduleResolution": "nodenext", "lib": []string{"ES2022"},
		"types": []string{"node"}, "outDir": "out",
	}))
	tsc(t, env, dir)
	nodeTest(t, env, filepath.Join(dir, "out"), nil, "auth.test.js")
}

// TestClientAgainstChat runs the Node tests of the compiled chat client
// against the chat example, built and started as a subprocess: rooms,
// typed messages, error frames, direct messages, presence, reconnection.
func TestClientAgainstChat(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the chat example")
	}
	env := nodetest.Setup(t, filepath.Join("testdata", "node"))
	out := compileRun(t, env)
	base := startChat(t)
	nodeTest(t, env, out, []string{"CHAT_URL=" + base}, "chat.test.js")
}

// startChat builds the chat example, runs it on a free loopback port until
// the test ends (stopping it with SIGTERM), and returns its base URL.
func startChat(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "chat")
	build := exec.Command("go", "build", "-o", bin, "./examples/chat")
	build.Dir = filepath.Join("..", "..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./examples/chat: %v\n%s", err, out)
	}
	addr := freeAddr(t)
	logs := &syncBuffer{}
	cmd := exec.Command(bin, "-addr", addr)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start chat: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("chat exited with %v after SIGTERM\n%s", err, logs.String())
			}
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("chat did not stop within 15s of SIGTERM\n%s", logs.String())
		}
		if t.Failed() {
			t.Logf("chat logs:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			return "http://" + addr
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("chat exited before listening: %v\n%s", err, logs.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("chat is not listening on %s after 30s\n%s", addr, logs.String())
		}
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprint(ln.Addr())
}
