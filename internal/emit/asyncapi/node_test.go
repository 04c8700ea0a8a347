package asyncapi

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jsgen-dev/jsgen/internal/nodetest"
	"github.com/jsgen-dev/jsgen/schema/ir"
)

// summary is what testdata/node/validate.cjs prints about a document.
type summary struct {
	Diagnostics []struct {
		Severity, Code, Path, Message string
	}
	Version  string
	Title    string
	Channels []struct {
		ID, Address          string
		Parameters, Messages []string
	}
	Operations []struct {
		ID, Action         string
		Channels, Messages []string
	}
	Payloads map[string]struct {
		Type       any
		Required   []string
		Properties []string
		OneOf      *int
	}
}

// parse runs the official AsyncAPI parser (npm @asyncapi/parser) on data.
func parse(t *testing.T, env *nodetest.Env, data []byte) summary {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, FileName)
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "node", "validate.cjs"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := env.Command(ctx, dir, script, file).Output()
	if err != nil {
		var stderr string
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("node validate.cjs: %v\n%s%s", err, out, stderr)
	}
	var s summary
	if err := json.Unmarshal(out, &s); err != nil {
		t.Fatalf("validate.cjs printed %q: %v", out, err)
	}
	return s
}

// problems lists the diagnostics worse than information.
func (s summary) problems() []string {
	var out []string
	for _, d := range s.Diagnostics {
		if d.Severity == "error" || d.Severity == "warning" {
			out = append(out, d.Severity+" "+d.Code+" at "+d.Path+": "+d.Message)
		}
	}
	return out
}

// TestOfficialParser parses and validates the generated documents with the
// official AsyncAPI parser: no error or warning, and the parsed document
// has the routes' channels, parameters and operations.
func TestOfficialParser(t *testing.T) {
	env := nodetest.Setup(t, filepath.Join("testdata", "node"))
	for _, c := range programs {
		t.Run(c.name, func(t *testing.T) {
			p := c.prog(t)
			s := parse(t, env, generate(t, p))
			if probs := s.problems(); len(probs) > 0 {
				t.Fatalf("the parser reports:\n%s", strings.Join(probs, "\n"))
			}
			if s.Version != Version || s.Title != p.Package {
				t.Errorf("version %q title %q", s.Version, s.Title)
			}
			checkRoutes(t, p, s)
		})
	}
}

// checkRoutes compares the parsed channels and operations with p's routes.
func checkRoutes(t *testing.T, p *ir.Program, s summary) {
	t.Helper()
	var want []string
	for _, c := range p.Controllers {
		for _, r := range c.Routes {
			var params []string
			for _, prm := range r.Params {
				params = append(params, prm.Name)
			}
			want = append(want, c.Name+r.GoName+" "+r.Pattern+" "+strings.Join(params, ","))
		}
	}
	var got []string
	for _, ch := range s.Channels {
		got = append(got, ch.ID+" "+ch.Address+" "+strings.Join(ch.Parameters, ","))
	}
	if !slices.Equal(want, got) {
		t.Errorf("channels:\n got %q\nwant %q", got, want)
	}
	for _, op := range s.Operations {
		if len(op.Channels) != 1 || "send"+op.Channels[0] != op.ID && "receive"+op.Channels[0] != op.ID {
			t.Errorf("operation %s is on channels %v", op.ID, op.Channels)
		}
		if op.Action == "send" && !slices.Contains(op.Messages, errorFrameKey) {
			t.Errorf("send operation %s lacks the error frame: %v", op.ID, op.Messages)
		}
		for _, m := range op.Messages {
			pl, ok := s.Payloads[m]
			if !ok || pl.Type != "object" || len(pl.Properties) == 0 && m != "BoardOp.board.clear" {
				t.Errorf("operation %s, message %s: payload %+v", op.ID, m, pl)
			}
		}
	}
}

// TestOfficialParserCatchesErrors makes sure the parser check is not
// vacuous: a document with a broken operation fails it.
func TestOfficialParserCatchesErrors(t *testing.T) {
	env := nodetest.Setup(t, filepath.Join("testdata", "node"))
	doc := string(generate(t, chatProgram(t)))
	broken := strings.Replace(doc, "    action: receive\n", "    action: listen\n", 1)
	broken = strings.Replace(broken, "#/channels/ChatDM/messages/DirectMessage", "#/channels/ChatDM/messages/Nope", 1)
	if broken == doc {
		t.Fatal("the mutation did not apply")
	}
	s := parse(t, env, []byte(broken))
	probs := strings.Join(s.problems(), "\n")
	if !strings.Contains(probs, "error") || !strings.Contains(probs, "action") {
		t.Fatalf("the parser accepted an operation with action \"listen\"; it reports:\n%s", probs)
	}
}
