package deploy

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// discovery is the API surface the fake server announces: the groups,
// versions and resources of every kind the manifests may use.
var discovery = map[string][]apiResource{
	"/api/v1": {
		{"configmaps", "ConfigMap"}, {"secrets", "Secret"}, {"services", "Service"},
		{"persistentvolumeclaims", "PersistentVolumeClaim"}, {"serviceaccounts", "ServiceAccount"},
	},
	"/apis/apps/v1":   {{"deployments", "Deployment"}, {"statefulsets", "StatefulSet"}, {"daemonsets", "DaemonSet"}},
	"/apis/policy/v1": {{"poddisruptionbudgets", "PodDisruptionBudget"}},
	"/apis/networking.k8s.io/v1": {
		{"ingresses", "Ingress"}, {"networkpolicies", "NetworkPolicy"},
	},
}

type apiResource struct{ name, kind string }

// fakeAPIServer answers kubectl's discovery requests and reports every
// object as absent, which is all a client-side dry run needs. It records
// the requests so the test can show that nothing was written.
type fakeAPIServer struct {
	mu       sync.Mutex
	requests []string
}

func (f *fakeAPIServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	f.mu.Unlock()
	reply := func(v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	switch p := r.URL.Path; {
	case p == "/version":
		reply(map[string]string{"major": "1", "minor": "32", "gitVersion": "v1.32.0"})
	case p == "/api":
		reply(map[string]any{"kind": "APIVersions", "versions": []string{"v1"}})
	case p == "/apis":
		var groups []any
		for path := range discovery {
			if gv, ok := strings.CutPrefix(path, "/apis/"); ok {
				group, version, _ := strings.Cut(gv, "/")
				ver := map[string]string{"groupVersion": gv, "version": version}
				groups = append(groups, map[string]any{"name": group, "versions": []any{ver}, "preferredVersion": ver})
			}
		}
		reply(map[string]any{"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
	case discovery[p] != nil:
		var res []any
		for _, r := range discovery[p] {
			res = append(res, map[string]any{"name": r.name, "kind": r.kind, "namespaced": true,
				"singularName": "", "verbs": []string{"get", "list", "create", "update", "patch", "delete"}})
		}
		gv := strings.TrimPrefix(strings.TrimPrefix(p, "/apis/"), "/api/")
		reply(map[string]any{"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": res})
	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(map[string]any{"kind": "Status", "apiVersion": "v1", "status": "Failure",
			"reason": "NotFound", "code": 404, "message": "not found"})
	}
}

// TestKubectlDryRun runs `kubectl apply --dry-run=client` on the manifests.
// A client-side dry run still asks an API server which kinds exist and
// whether each object does, so the test serves those answers itself on
// loopback; kubectl's schema validation needs a real server's OpenAPI
// document and is turned off, the field checks in TestKubernetesInvariants
// stand in for it.
func TestKubectlDryRun(t *testing.T) {
	t.Parallel()
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl not installed; manifests not checked by kubectl")
	}
	fake := &fakeAPIServer{}
	srv := httptest.NewServer(fake)
	defer srv.Close()

	home := t.TempDir()
	kubeconfig := filepath.Join(home, "config")
	cfg := `apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: ` + srv.URL + `
contexts:
- name: fake
  context:
    cluster: fake
    user: fake
    namespace: callgate
current-context: fake
users:
- name: fake
  user: {}
`
	if err := os.WriteFile(kubeconfig, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "HOME="+home, "KUBECONFIG="+kubeconfig)
	out, err := runTool(t, 45*time.Second, ".", env, kubectl,
		"--cache-dir", filepath.Join(home, "cache"), "--request-timeout", "10s",
		"apply", "--dry-run=client", "--validate=false", "-f", k8sDir)
	if err != nil {
		t.Fatalf("kubectl apply --dry-run=client: %v\n%s", err, out)
	}
	// Lines read "deployment.apps/callgate created (dry run)".
	applied := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		ref, ok := strings.CutSuffix(strings.TrimSpace(line), " created (dry run)")
		if !ok {
			continue
		}
		kind, name, _ := strings.Cut(ref, "/")
		kind, _, _ = strings.Cut(kind, ".")
		applied[kind+"/"+name] = true
	}
	objs := k8sObjects(t)
	for _, o := range objs {
		if want := strings.ToLower(o.Kind) + "/" + o.Metadata.Name; !applied[want] {
			t.Errorf("kubectl did not apply %s:\n%s", want, out)
		}
	}
	if len(applied) != len(objs) {
		t.Errorf("kubectl applied %d objects, the manifests hold %d:\n%s", len(applied), len(objs), out)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	for _, r := range fake.requests {
		if !strings.HasPrefix(r, "GET ") {
			t.Errorf("a client-side dry run sent %s", r)
		}
	}
	t.Logf("kubectl:\n%s", strings.TrimSpace(out))
}
