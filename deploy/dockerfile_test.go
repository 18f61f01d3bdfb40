package deploy

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// instruction is one Dockerfile instruction with its continuation lines
// joined.
type instruction struct {
	cmd  string // upper case: FROM, RUN, COPY, ...
	args string
	line int
}

// stage is one FROM and the instructions after it.
type stage struct {
	name  string
	from  string
	instr []instruction
}

// parseDockerfile splits a Dockerfile into stages; comment lines, also
// inside continuations, are dropped as Docker drops them.
func parseDockerfile(raw string) []stage {
	var (
		stages []stage
		cur    strings.Builder
		start  int
	)
	flush := func() {
		text := strings.TrimSpace(cur.String())
		cur.Reset()
		if text == "" {
			return
		}
		cmd, args, _ := strings.Cut(text, " ")
		in := instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args), line: start}
		if in.cmd == "FROM" {
			f := strings.Fields(in.args)
			st := stage{from: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.name = f[2]
			}
			stages = append(stages, st)
			return
		}
		if len(stages) == 0 {
			stages = append(stages, stage{}) // ARGs before the first FROM
		}
		stages[len(stages)-1].instr = append(stages[len(stages)-1].instr, in)
	}
	sc := bufio.NewScanner(strings.NewReader(raw))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || (line == "" && cur.Len() == 0) {
			continue
		}
		if cur.Len() == 0 {
			start = n
		}
		if body, ok := strings.CutSuffix(line, "\\"); ok {
			cur.WriteString(body + " ")
			continue
		}
		cur.WriteString(line)
		flush()
	}
	flush()
	if len(stages) > 0 && stages[0].from == "" {
		stages = stages[1:]
	}
	return stages
}

// execForm decodes a JSON-array instruction argument.
func execForm(args string) ([]string, bool) {
	var v []string
	if err := json.Unmarshal([]byte(args), &v); err != nil || len(v) == 0 {
		return nil, false
	}
	return v, true
}

// TestDockerfileInvariants checks deploy/Dockerfile without a container
// engine: a non-root final stage, exec-form ENTRYPOINT (so callgate, as
// PID 1, receives SIGTERM itself), a HEALTHCHECK on /healthz with a binary
// the build produces, libopus carried into the runtime, the expected ports,
// and COPY sources that exist and are not ignored.
func TestDockerfileInvariants(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	stages := parseDockerfile(string(readFile(t, "Dockerfile")))
	if len(stages) < 2 {
		t.Fatalf("want a multi-stage build, found %d stages", len(stages))
	}
	final := stages[len(stages)-1]
	all := func(st stage, cmd string) []instruction {
		var out []instruction
		for _, in := range st.instr {
			if in.cmd == cmd {
				out = append(out, in)
			}
		}
		return out
	}
	users := all(final, "USER")
	if len(users) == 0 {
		t.Error("final stage has no USER: the image would run as root")
	} else if u := users[len(users)-1].args; u == "root" || u == "0" || strings.HasPrefix(u, "0:") || strings.HasPrefix(u, "root:") {
		t.Errorf("final stage runs as %q", u)
	}

	eps := all(final, "ENTRYPOINT")
	if len(eps) == 0 {
		t.Fatal("no ENTRYPOINT")
	}
	ep, ok := execForm(eps[len(eps)-1].args)
	if !ok {
		t.Errorf("ENTRYPOINT %q is not in exec form: a shell would get SIGTERM instead of callgate", eps[len(eps)-1].args)
	} else if ep[0] != "/usr/local/bin/callgate" || !slices.Contains(ep, "-data") {
		t.Errorf("ENTRYPOINT %q should run /usr/local/bin/callgate with -data", ep)
	}
	if ss := all(final, "STOPSIGNAL"); len(ss) > 0 && ss[len(ss)-1].args != "SIGTERM" {
		t.Errorf("STOPSIGNAL %s: callgate drains on SIGTERM", ss[len(ss)-1].args)
	}

	hcs := all(final, "HEALTHCHECK")
	if len(hcs) == 0 {
		t.Error("no HEALTHCHECK")
	} else {
		_, cmd, _ := strings.Cut(hcs[len(hcs)-1].args, "CMD ")
		hc, ok := execForm(cmd)
		if !ok || hc[0] != healthcheckBin || !strings.HasSuffix(hc[len(hc)-1], healthPath) {
			t.Errorf("HEALTHCHECK %q should run %s on %s (the image has no shell)", cmd, healthcheckBin, healthPath)
		}
	}

	// The build stage compiles both programs, which exist in the module.
	var build strings.Builder
	for _, st := range stages[:len(stages)-1] {
		for _, in := range st.instr {
			build.WriteString(in.args + "\n")
		}
	}
	for pkg, out := range map[string]string{"./cmd/callgate": "/usr/local/bin/callgate", "./deploy/healthcheck": healthcheckBin} {
		re := regexp.MustCompile(`go build [^;&]*-o \S*` + regexp.QuoteMeta(out) + ` [^;&]*` + regexp.QuoteMeta(pkg) + `\b`)
		if !re.MatchString(build.String()) {
			t.Errorf("no `go build -o ...%s %s` in the build stages", out, pkg)
		}
		if _, err := os.Stat(filepath.Join(root, pkg)); err != nil {
			t.Errorf("package %s: %v", pkg, err)
		}
	}
	for _, want := range []string{"libopus-dev", "libopus.so.0", "CGO_ENABLED=1"} {
		if !strings.Contains(build.String(), want) {
			t.Errorf("build stages never mention %s: the runtime would lack libopus", want)
		}
	}

	exposed := map[string]bool{}
	for _, in := range all(final, "EXPOSE") {
		for _, p := range strings.Fields(in.args) {
			exposed[p] = true
		}
	}
	for _, p := range []string{"5060/udp", "5060/tcp", "8080/tcp", "10000/udp"} {
		if !exposed[p] {
			t.Errorf("EXPOSE lacks %s", p)
		}
	}
	if vols := all(final, "VOLUME"); len(vols) == 0 || !strings.Contains(vols[0].args, "/data") {
		t.Error("no VOLUME /data for registrations and the DTLS certificate")
	}

	// COPY sources from the build context exist and survive the ignore file.
	ignore := parseIgnore(string(readFile(t, "Dockerfile.dockerignore")))
	for _, st := range stages {
		for _, in := range st.instr {
			if in.cmd == "ADD" {
				t.Errorf("line %d: use COPY, not ADD", in.line)
			}
			if in.cmd != "COPY" || strings.Contains(in.args, "--from=") {
				continue
			}
			f := strings.Fields(in.args)
			var srcs []string
			for _, a := range f[:len(f)-1] {
				if !strings.HasPrefix(a, "--") {
					srcs = append(srcs, a)
				}
			}
			for _, src := range srcs {
				if src == "." {
					continue
				}
				if _, err := os.Stat(filepath.Join(root, src)); err != nil {
					t.Errorf("line %d: COPY source %s: %v", in.line, src, err)
				}
				if ignore.excludes(src) {
					t.Errorf("line %d: COPY source %s is excluded by Dockerfile.dockerignore", in.line, src)
				}
			}
		}
	}
	for _, need := range []string{"go.mod", "go.sum", "cmd/callgate/main.go", "deploy/healthcheck/main.go", "webclient/static/index.html", "media", "b2bua", "wsgw"} {
		if ignore.excludes(need) {
			t.Errorf("Dockerfile.dockerignore excludes %s, which the build needs", need)
		}
	}
	for _, junk := range []string{".git/HEAD", "webclient/node_modules/x", "webclient/e2e/node_modules/x", "callgate-data/location.db"} {
		if !ignore.excludes(junk) {
			t.Errorf("Dockerfile.dockerignore lets %s into the build context", junk)
		}
	}
}

// ignoreRules are .dockerignore patterns in order; a later match wins, and
// "!" re-includes.
type ignoreRules []struct {
	re     *regexp.Regexp
	negate bool
}

// parseIgnore compiles .dockerignore patterns ("*", "?", "**").
func parseIgnore(raw string) ignoreRules {
	var rules ignoreRules
	for _, line := range strings.Split(raw, "\n") {
		p := strings.TrimSpace(line)
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		neg := strings.HasPrefix(p, "!")
		p = strings.TrimPrefix(strings.TrimPrefix(p, "!"), "/")
		var re strings.Builder
		re.WriteString("^")
		for i := 0; i < len(p); i++ {
			switch {
			case strings.HasPrefix(p[i:], "**/"):
				re.WriteString("(.*/)?")
				i += 2
			case strings.HasPrefix(p[i:], "**"):
				re.WriteString(".*")
				i++
			case p[i] == '*':
				re.WriteString("[^/]*")
			case p[i] == '?':
				re.WriteString("[^/]")
			default:
				re.WriteString(regexp.QuoteMeta(p[i : i+1]))
			}
		}
		re.WriteString("$")
		rules = append(rules, struct {
			re     *regexp.Regexp
			negate bool
		}{regexp.MustCompile(re.String()), neg})
	}
	return rules
}

// excludes reports whether path, or a folder above it, is ignored.
func (r ignoreRules) excludes(path string) bool {
	path = strings.TrimSuffix(filepath.ToSlash(path), "/")
	out := false
	for _, rule := range r {
		for p := path; p != "." && p != ""; p = filepath.ToSlash(filepath.Dir(p)) {
			if rule.re.MatchString(p) {
				out = !rule.negate
				break
			}
		}
	}
	return out
}

// engine returns docker or podman when one is installed and its daemon
// (or, for podman, its storage) answers.
func engine(t *testing.T) (string, string) {
	t.Helper()
	var why []string
	for _, name := range []string{"docker", "podman"} {
		bin, err := exec.LookPath(name)
		if err != nil {
			why = append(why, name+" not installed")
			continue
		}
		if out, err := runTool(t, 15*time.Second, ".", nil, bin, "info"); err != nil {
			why = append(why, name+" does not answer: "+lastLine(out))
			continue
		}
		return name, bin
	}
	t.Skip("no container engine to build the image with: " + strings.Join(why, "; "))
	return "", ""
}

// lastLine returns the last non-empty line of out, where engines put
// their error.
func lastLine(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// TestDockerBuild builds the image from the repository root as the
// Dockerfile says, then runs both binaries in it: callgate's usage text
// proves the dynamic loader finds libopus, and the probe's usage error
// proves it is installed.
func TestDockerBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("image build skipped in -short mode")
	}
	name, bin := engine(t)
	tag := "callgate-deploy-test:latest"
	root := repoRoot(t)
	out, err := runTool(t, 20*time.Minute, root, nil, bin, "build", "-f", "deploy/Dockerfile", "-t", tag, ".")
	if err != nil {
		t.Fatalf("%s build: %v\n%s", name, err, out)
	}
	defer func() { _, _ = runTool(t, time.Minute, root, nil, bin, "rmi", "-f", tag) }()
	out, _ = runTool(t, time.Minute, root, nil, bin, "run", "--rm", "--network", "none", tag, "-h")
	if !strings.Contains(out, "-config") || strings.Contains(out, "error while loading shared libraries") {
		t.Errorf("callgate -h in the image:\n%s", out)
	}
	out, _ = runTool(t, time.Minute, root, nil, bin, "run", "--rm", "--network", "none", "--entrypoint", healthcheckBin, tag, "-timeout", "0s")
	if !strings.Contains(out, "usage") {
		t.Errorf("%s in the image:\n%s", healthcheckBin, out)
	}
}
