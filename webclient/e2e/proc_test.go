package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// logBuf keeps a process's output, line by line, for assertions and for
// the failure report; it can also echo each line to the test log.
type logBuf struct {
	name string
	echo func(string)

	mu      sync.Mutex
	data    bytes.Buffer
	partial []byte
	changed chan struct{} // closed and replaced on every complete line
}

func newLogBuf(name string, echo func(string)) *logBuf {
	return &logBuf{name: name, echo: echo, changed: make(chan struct{})}
}

// Write stores p line by line; it never fails. A line redrawn with
// carriage returns (baresip's call status) keeps only its last version.
func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	lines := false
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		line := l.partial[:i]
		if j := bytes.LastIndexByte(line, '\r'); j >= 0 {
			line = line[j+1:]
		}
		l.data.Write(line)
		l.data.WriteByte('\n')
		if l.echo != nil {
			l.echo(l.name + ": " + string(line))
		}
		l.partial = l.partial[i+1:]
		lines = true
	}
	if j := bytes.LastIndexByte(l.partial, '\r'); j >= 0 {
		l.partial = append(l.partial[:0], l.partial[j+1:]...)
	}
	if lines {
		close(l.changed)
		l.changed = make(chan struct{})
	}
	return len(p), nil
}

// String returns everything written so far.
func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.data.String()
}

// Len is the number of bytes written so far: a mark for since.
func (l *logBuf) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.data.Len()
}

// tail returns the last n lines.
func (l *logBuf) tail(n int) string {
	lines := strings.Split(strings.TrimRight(l.String(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// waitFor blocks until match holds for the output written after mark,
// or fails the test after timeout.
func (l *logBuf) waitFor(t *testing.T, mark int, timeout time.Duration, what string, match func(string) bool) string {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		s, ch := l.data.String(), l.changed
		l.mu.Unlock()
		if mark <= len(s) && match(s[mark:]) {
			return s[mark:]
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("%s: timed out after %v waiting for %s; last lines:\n%s", l.name, timeout, what, l.tail(30))
			return ""
		}
	}
}

// proc is a process the test started, in its own process group so that
// stopping it also stops the children it spawned (Chromium's helpers).
type proc struct {
	name  string
	cmd   *exec.Cmd
	out   *logBuf
	stdin io.WriteCloser // set when asked for; closed by Wait
	done  chan struct{}
	err   error // valid after done is closed
}

// startProc runs argv (in network namespace ns unless ns is "") with its
// output in a logBuf. t.Cleanup stops it; its last lines are logged when
// the test failed. Standard output goes to stdout when not nil (else to the
// logBuf); withStdin gives the process a standard input pipe in p.stdin.
func startProc(t *testing.T, name, ns string, stdout io.Writer, withStdin bool, argv ...string) *proc {
	t.Helper()
	if ns != "" {
		argv = append([]string{"ip", "netns", "exec", ns}, argv...)
	}
	p := &proc{name: name, out: newLogBuf(name, echoFunc(t)), done: make(chan struct{})}
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	// Children that keep the output pipes open must not hold Wait forever.
	p.cmd.WaitDelay = 3 * time.Second
	if withStdin {
		var err error
		if p.stdin, err = p.cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
	}
	if stdout != nil {
		p.cmd.Stdout = stdout
	} else {
		p.cmd.Stdout = p.out
	}
	p.cmd.Stderr = p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s (%s): %v", name, strings.Join(argv, " "), err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop(t)
		if d := os.Getenv("CALLGATE_E2E_ARTIFACTS"); d != "" {
			file := filepath.Join(d, strings.ReplaceAll(name, " ", "-")+".log")
			if err := os.WriteFile(file, []byte(p.out.String()), 0o644); err == nil {
				t.Logf("%s output: %s", name, file)
			}
		}
		if t.Failed() {
			t.Logf("--- last output of %s (pid %d) ---\n%s", name, p.cmd.Process.Pid, p.out.tail(60))
		}
	})
	return p
}

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the process group, then SIGKILL after 5 s, and
// waits (bounded) for the process to be reaped.
func (p *proc) stop(t *testing.T) {
	if p.exited() {
		return
	}
	pgid := p.cmd.Process.Pid // Setpgid makes the group id the leader's pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.done:
		return
	case <-time.After(5 * time.Second):
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		t.Errorf("%s (pid %d) did not exit after SIGKILL", p.name, pgid)
	}
}

// exitError describes how a process that should still run has ended.
func (p *proc) exitError() error {
	if !p.exited() {
		return nil
	}
	if p.err == nil {
		return fmt.Errorf("%s exited with status 0", p.name)
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return fmt.Errorf("%s exited: %v", p.name, ee)
	}
	return fmt.Errorf("%s: %w", p.name, p.err)
}

// echoFunc returns a line printer to the test log when
// CALLGATE_E2E_VERBOSE=1, else nil.
func echoFunc(t *testing.T) func(string) {
	if os.Getenv("CALLGATE_E2E_VERBOSE") != "1" {
		return nil
	}
	return func(line string) { t.Log(line) }
}

// run executes a short command to completion (bounded by 30 s) and fails
// the test with its output when it fails.
func run(t *testing.T, argv ...string) string {
	t.Helper()
	out, err := runErr(argv...)
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	return out
}

// runErr is run without a test: for cleanups that must go on after an error.
func runErr(argv ...string) (string, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	if err := cmd.Start(); err != nil {
		return "", err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return b.String(), err
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		return b.String(), fmt.Errorf("timed out after 30 s")
	}
}
