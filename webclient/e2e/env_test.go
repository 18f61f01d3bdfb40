package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// env is what the test found on the machine.
type env struct {
	root     string // the module's root folder
	e2eDir   string // this folder
	chromium string
	node     string
	baresip  string
}

// requireEnv checks every outside piece the test needs and fails with one
// message naming all that are missing and how to install them: a missing
// browser or phone must show up as a failure, never as a skipped proof.
func requireEnv(t *testing.T) *env {
	t.Helper()
	e := &env{}
	var missing []string
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	e.e2eDir = wd
	e.root = filepath.Clean(filepath.Join(wd, "..", ".."))
	if _, err := os.Stat(filepath.Join(e.root, "cmd", "callgate")); err != nil {
		t.Fatalf("cmd/callgate not found from %s: %v", wd, err)
	}
	if os.Geteuid() != 0 {
		missing = append(missing, "root (the test creates network namespaces with `ip netns add`)")
	}
	look := func(dst *string, name, hint string) {
		p, err := exec.LookPath(name)
		if err != nil {
			missing = append(missing, fmt.Sprintf("%s (%s)", name, hint))
			return
		}
		*dst = p
	}
	var ip string
	look(&ip, "ip", "apt-get install iproute2")
	look(&e.chromium, "chromium", "apt-get install chromium")
	look(&e.baresip, "baresip", "apt-get install baresip-core")
	look(&e.node, "node", "apt-get install nodejs npm")
	for _, mod := range []string{"g711.so", "aufile.so", "sndfile.so", "ctrl_tcp.so", "account.so"} {
		if _, err := os.Stat(filepath.Join("/usr/lib/baresip/modules", mod)); err != nil && e.baresip != "" {
			missing = append(missing, "baresip module "+mod+" (apt-get install baresip-core)")
		}
	}
	for _, f := range []string{
		"node_modules/playwright-core/package.json",
		"node_modules/jssip/package.json",
		"node_modules/sip.js/package.json",
		"node_modules/esbuild/package.json",
		"node_modules/axe-core/axe.min.js",
	} {
		if _, err := os.Stat(filepath.Join(wd, f)); err != nil {
			missing = append(missing, fmt.Sprintf("%s (run `npm ci` in webclient/e2e)", f))
			break
		}
	}
	if _, err := exec.LookPath("go"); err != nil {
		missing = append(missing, "go on PATH (to build ./cmd/callgate)")
	}
	if len(missing) > 0 {
		t.Fatalf("the browser/phone end-to-end test cannot run; missing:\n  - %s", strings.Join(missing, "\n  - "))
	}
	return e
}

// requireFirefox finds Firefox ESR and puppeteer-core, or fails saying
// how to install them.
func requireFirefox(t *testing.T, e *env) string {
	t.Helper()
	var missing []string
	ff, err := exec.LookPath("firefox-esr")
	if err != nil {
		missing = append(missing, "firefox-esr (apt-get install firefox-esr)")
	}
	if _, err := os.Stat(filepath.Join(e.e2eDir, "node_modules", "puppeteer-core", "package.json")); err != nil {
		missing = append(missing, "node_modules/puppeteer-core (run `npm ci` in webclient/e2e)")
	}
	if len(missing) > 0 {
		t.Fatalf("the Firefox call test cannot run; missing:\n  - %s", strings.Join(missing, "\n  - "))
	}
	return ff
}

// buildCallgate builds ./cmd/callgate into dir, with the race detector
// when this test runs with it.
func buildCallgate(t *testing.T, e *env, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "callgate")
	args := []string{"go", "build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	args = append(args, "./cmd/callgate")
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = e.root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return bin
}

// buildPages bundles the test pages with esbuild into a folder to serve.
func buildPages(t *testing.T, e *env, dir string) string {
	t.Helper()
	www := filepath.Join(dir, "www")
	if err := os.MkdirAll(www, 0o755); err != nil {
		t.Fatal(err)
	}
	// npm links the native binary (or a Node.js shim for it) here.
	esbuild := filepath.Join(e.e2eDir, "node_modules", ".bin", "esbuild")
	for _, p := range []string{"jssip", "sipjs", "dialer-probe"} {
		cmd := exec.Command(esbuild, filepath.Join("pages", p+".js"), "--bundle", "--format=iife",
			"--target=chrome110,firefox115", "--log-level=warning", "--outfile="+filepath.Join(www, p+".bundle.js"))
		cmd.Dir = e.e2eDir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("esbuild %s: %v\n%s", p, err, out)
		}
	}
	for _, f := range []string{"jssip.html", "sipjs.html", "page.css"} {
		b, err := os.ReadFile(filepath.Join(e.e2eDir, "pages", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(www, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return www
}

// artifactDir is where screenshots and logs are kept: CALLGATE_E2E_ARTIFACTS
// when set, else a temporary folder of the test.
func artifactDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("CALLGATE_E2E_ARTIFACTS"); d != "" {
		abs, err := filepath.Abs(d)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(abs, 0o755); err != nil {
			t.Fatal(err)
		}
		return abs
	}
	return t.TempDir()
}
