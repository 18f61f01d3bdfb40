package deploy

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

type (
	composeFile struct {
		Name     string                    `yaml:"name"`
		Services map[string]composeService `yaml:"services"`
		Volumes  map[string]any            `yaml:"volumes"`
	}
	composeService struct {
		Image string `yaml:"image"`
		Build *struct {
			Context    string `yaml:"context"`
			Dockerfile string `yaml:"dockerfile"`
		} `yaml:"build"`
		NetworkMode     string   `yaml:"network_mode"`
		Ports           []string `yaml:"ports"`
		Volumes         []string `yaml:"volumes"`
		Command         []string `yaml:"command"`
		StopSignal      string   `yaml:"stop_signal"`
		StopGracePeriod string   `yaml:"stop_grace_period"`
		ReadOnly        bool     `yaml:"read_only"`
		CapDrop         []string `yaml:"cap_drop"`
		Healthcheck     *struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
	}
)

// portRange is an inclusive range of port numbers.
type portRange struct{ lo, hi int }

func (a portRange) overlaps(b portRange) bool { return a.lo <= b.hi && b.lo <= a.hi }

// callgateUDPPorts are the UDP ports callgate uses with the image's
// configuration: defaults from callgate.example.yaml.
func callgateUDPPorts(t *testing.T) []portRange {
	t.Helper()
	var fc struct {
		Media struct {
			PortMin int `yaml:"port_min"`
			PortMax int `yaml:"port_max"`
		} `yaml:"media"`
	}
	raw := readFile(t, "callgate.example.yaml")
	docs, err := yamlDocs(raw)
	if err != nil || len(docs) == 0 {
		t.Fatalf("callgate.example.yaml: %v", err)
	}
	if err := docs[0].Decode(&fc); err != nil {
		t.Fatal(err)
	}
	if fc.Media.PortMin == 0 {
		fc.Media.PortMin, fc.Media.PortMax = 20000, 39999
	}
	webrtc := listenPort(t, string(raw), "webrtc", 10000)
	return []portRange{
		{5060, 5060},
		{webrtc, webrtc},
		{fc.Media.PortMin, fc.Media.PortMax + 1}, // RTCP = RTP + 1
	}
}

// TestComposeInvariants checks compose.yaml: callgate and coturn, media
// reachable (host network or published UDP ports), a data volume, a
// healthcheck on /healthz with the binary the image ships, a stop grace
// period longer than the drain, and TURN relay ports clear of callgate's.
func TestComposeInvariants(t *testing.T) {
	t.Parallel()
	docs, err := yamlDocs(readFile(t, "compose.yaml"))
	if err != nil || len(docs) != 1 {
		t.Fatalf("compose.yaml: %d documents, %v", len(docs), err)
	}
	var cf composeFile
	if err := docs[0].Decode(&cf); err != nil {
		t.Fatal(err)
	}
	gw, ok := cf.Services["callgate"]
	if !ok {
		t.Fatal("compose.yaml: no callgate service")
	}
	turn, ok := cf.Services["coturn"]
	if !ok {
		t.Fatal("compose.yaml: no coturn service")
	}

	if gw.Build == nil {
		t.Error("callgate: no build section")
	} else {
		df := filepath.Join(gw.Build.Context, gw.Build.Dockerfile)
		if _, err := os.Stat(df); err != nil {
			t.Errorf("callgate: build.dockerfile %s (relative to its context): %v", df, err)
		}
		if _, err := os.Stat(filepath.Join(gw.Build.Context, "go.mod")); err != nil {
			t.Errorf("callgate: build.context %s is not the repository root", gw.Build.Context)
		}
	}
	for name, s := range map[string]composeService{"callgate": gw, "coturn": turn} {
		if s.NetworkMode != "host" && !slices.ContainsFunc(s.Ports, func(p string) bool { return strings.HasSuffix(p, "/udp") }) {
			t.Errorf("%s: neither network_mode: host nor published UDP ports", name)
		}
		if s.Image == "" {
			t.Errorf("%s: no image", name)
		}
		if !slices.Contains(s.CapDrop, "ALL") {
			t.Errorf("%s: cap_drop should include ALL", name)
		}
	}

	// Data volume on /data, declared at the top level.
	dataOK := false
	for _, v := range gw.Volumes {
		parts := strings.Split(v, ":")
		if len(parts) >= 2 && parts[1] == "/data" {
			_, declared := cf.Volumes[parts[0]]
			dataOK = declared || strings.HasPrefix(parts[0], ".") || strings.HasPrefix(parts[0], "/")
		}
	}
	if !dataOK {
		t.Error("callgate: no declared volume mounted on /data")
	}
	if !gw.ReadOnly {
		t.Error("callgate: read_only: true expected (all writes go to /data)")
	}

	// Healthcheck with the probe the image installs.
	if gw.Healthcheck == nil || len(gw.Healthcheck.Test) < 2 {
		t.Fatal("callgate: no healthcheck")
	}
	test := gw.Healthcheck.Test
	if test[0] != "CMD" || test[1] != healthcheckBin {
		t.Errorf("callgate: healthcheck %q should run %s (the image has no shell)", test, healthcheckBin)
	}
	if !strings.HasSuffix(test[len(test)-1], healthPath) {
		t.Errorf("callgate: healthcheck %q does not probe %s", test, healthPath)
	}

	// Stop: SIGTERM and time for the drain.
	if gw.StopSignal != "" && gw.StopSignal != "SIGTERM" {
		t.Errorf("callgate: stop_signal %s; callgate drains on SIGTERM", gw.StopSignal)
	}
	grace := 10 * time.Second // Compose's default
	if gw.StopGracePeriod != "" {
		if grace, err = time.ParseDuration(gw.StopGracePeriod); err != nil {
			t.Fatalf("callgate: stop_grace_period: %v", err)
		}
	}
	if bound := stopBound(t); grace < bound+5*time.Second {
		t.Errorf("callgate: stop_grace_period %s leaves no margin over callgate's %s shutdown", grace, bound)
	}

	// coturn: long-term credentials and a relay range clear of callgate's
	// UDP ports, since both share the host's network.
	flags := map[string]string{}
	for _, a := range turn.Command {
		k, v, _ := strings.Cut(a, "=")
		flags[k] = v
	}
	if _, ok := flags["--use-auth-secret"]; !ok {
		if _, ok := flags["--lt-cred-mech"]; !ok {
			t.Error("coturn: no authentication (--use-auth-secret or --lt-cred-mech)")
		}
	}
	lo, err1 := strconv.Atoi(flags["--min-port"])
	hi, err2 := strconv.Atoi(flags["--max-port"])
	if err1 != nil || err2 != nil || lo > hi {
		t.Fatalf("coturn: --min-port/--max-port missing or bad: %q-%q", flags["--min-port"], flags["--max-port"])
	}
	relay := portRange{lo, hi}
	for _, r := range callgateUDPPorts(t) {
		if relay.overlaps(r) {
			t.Errorf("coturn relay ports %d-%d overlap callgate's UDP ports %d-%d", lo, hi, r.lo, r.hi)
		}
	}
}
