package main

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// forbidden lists, per package of this module, the packages it must never
// depend on, directly or not: the arrows cmd → b2bua → {wsgw, media}.
var forbidden = map[string][]string{
	"github.com/callgate/callgate/wsgw": {
		"github.com/callgate/callgate/b2bua", "github.com/callgate/callgate/cmd", "github.com/callgate/callgate/media",
		"github.com/emiago/sipgo", "github.com/pion/",
	},
	"github.com/callgate/callgate/media": {
		"github.com/callgate/callgate/b2bua", "github.com/callgate/callgate/cmd", "github.com/callgate/callgate/wsgw",
		"github.com/emiago/sipgo", "github.com/gorilla/websocket",
	},
	"github.com/callgate/callgate/b2bua": {"github.com/callgate/callgate/cmd"},
	"github.com/callgate/callgate/webclient": {
		"github.com/callgate/callgate/b2bua", "github.com/callgate/callgate/wsgw", "github.com/callgate/callgate/media",
	},
}

// TestImportArrows fails when a package depends on one it must not.
func TestImportArrows(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", "github.com/callgate/callgate/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := map[string]bool{}
	for {
		var p struct {
			ImportPath string
			Deps       []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		for root, bans := range forbidden {
			if p.ImportPath != root && !strings.HasPrefix(p.ImportPath, root+"/") {
				continue
			}
			seen[root] = true
			for _, dep := range p.Deps {
				for _, ban := range bans {
					if dep == ban || strings.HasPrefix(dep, strings.TrimSuffix(ban, "/")+"/") {
						t.Errorf("%s depends on %s: the arrows are cmd → b2bua → {wsgw, media}", p.ImportPath, dep)
					}
				}
			}
		}
	}
	for root := range forbidden {
		if !seen[root] {
			t.Errorf("package %s not found; update the arrow rules", root)
		}
	}
}
