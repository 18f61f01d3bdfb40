package deploy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"gopkg.in/yaml.v3"
)

// Facts about cmd/callgate that the recipes depend on.
const (
	// healthPath is the liveness endpoint served on the HTTP listener.
	healthPath = "/healthz"
	// defaultStopBound is how long callgate's shutdown may take after
	// SIGTERM (the timeout main.go gives b2bua's Shutdown); stopBound reads
	// the current value from the source when it can.
	defaultStopBound = 10 * time.Second
	// healthcheckBin is where the image installs deploy/healthcheck.
	healthcheckBin = "/usr/local/bin/callgate-healthcheck"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// repoRoot is the module root: this folder's parent.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no go.mod above deploy/: %v", err)
	}
	return root
}

// built holds the binaries compiled once for the whole package.
var built struct {
	once                  sync.Once
	dir                   string
	callgate, healthcheck string
	err                   error
}

// binaries builds cmd/callgate and deploy/healthcheck once. It adds -race
// when this test binary has it, so the packages come from the build cache
// that `go test -race ./...` fills for the other packages.
func binaries(t *testing.T) (callgate, healthcheck string) {
	t.Helper()
	root := repoRoot(t)
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "callgate-deploy-")
		if built.err != nil {
			return
		}
		args := []string{"build"}
		if raceEnabled() {
			args = append(args, "-race")
		}
		args = append(args, "-o", built.dir+string(filepath.Separator), "./cmd/callgate", "./deploy/healthcheck")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
			return
		}
		built.callgate = filepath.Join(built.dir, "callgate")
		built.healthcheck = filepath.Join(built.dir, "healthcheck")
	})
	if built.err != nil {
		t.Fatalf("building the binaries: %v", built.err)
	}
	return built.callgate, built.healthcheck
}

// raceEnabled reports whether this test binary was built with -race.
func raceEnabled() bool {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range info.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// yamlDocs decodes every document of a (multi-document) YAML stream.
func yamlDocs(raw []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return docs, err
		}
		// Duplicate keys are caught only when decoding into a value.
		var v any
		if err := n.Decode(&v); err != nil {
			return docs, err
		}
		docs = append(docs, &n)
	}
}

// readFile returns a file under deploy/.
func readFile(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// runTool runs a command with a deadline and returns its combined output.
func runTool(t *testing.T, timeout time.Duration, dir string, env []string, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = env
	}
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		err = fmt.Errorf("%s timed out after %s: %w", name, timeout, ctx.Err())
	}
	return string(out), err
}
