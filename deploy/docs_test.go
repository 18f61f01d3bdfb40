package deploy

import (
	"regexp"
	"strings"
	"testing"
)

// TestOperationsKeysExist checks that every configuration key the
// operations guide names, such as `media.advertise_ip`, is a key of
// callgate.example.yaml, which callgate itself loads strictly (see
// TestConfigsStartCallgate): the guide cannot drift to keys that no longer
// exist.
func TestOperationsKeysExist(t *testing.T) {
	t.Parallel()
	docs, err := yamlDocs(readFile(t, "callgate.example.yaml"))
	if err != nil || len(docs) == 0 {
		t.Fatalf("callgate.example.yaml: %v", err)
	}
	var example map[string]any
	if err := docs[0].Decode(&example); err != nil {
		t.Fatal(err)
	}
	guide := string(readFile(t, "OPERATIONS.md"))
	named := 0
	for _, m := range regexp.MustCompile("`([a-z_]+)\\.([a-z_]+)`").FindAllStringSubmatch(guide, -1) {
		section, isSection := example[m[1]]
		if !isSection {
			continue // a file name such as compose.yaml
		}
		named++
		keys, _ := section.(map[string]any)
		if _, ok := keys[m[2]]; !ok {
			t.Errorf("OPERATIONS.md names %s.%s, which callgate.example.yaml does not have", m[1], m[2])
		}
	}
	for _, want := range []string{"media.advertise_ip", "webrtc.public_ip", "tls.cert_file", "listen.sip_tls"} {
		if !strings.Contains(guide, "`"+want+"`") {
			t.Errorf("OPERATIONS.md does not explain `%s`", want)
		}
	}
	if named < 10 {
		t.Errorf("found only %d configuration keys in OPERATIONS.md; is the pattern still right?", named)
	}
}
