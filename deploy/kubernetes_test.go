package deploy

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const k8sDir = "kubernetes"

// The subset of Kubernetes objects the checks read; unknown fields are
// ignored here and left to kubectl.
type (
	k8sObject struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   struct {
			Name   string            `yaml:"name"`
			Labels map[string]string `yaml:"labels"`
		} `yaml:"metadata"`
		Data       map[string]string `yaml:"data"`
		StringData map[string]string `yaml:"stringData"`
		Spec       struct {
			Template *struct {
				Metadata struct {
					Labels map[string]string `yaml:"labels"`
				} `yaml:"metadata"`
				Spec podSpec `yaml:"spec"`
			} `yaml:"template"`
			Selector map[string]any `yaml:"selector"`
			Ports    []struct {
				Name       string `yaml:"name"`
				Port       int    `yaml:"port"`
				TargetPort any    `yaml:"targetPort"`
				Protocol   string `yaml:"protocol"`
			} `yaml:"ports"`
		} `yaml:"spec"`
		file string
	}
	podSpec struct {
		HostNetwork                   bool   `yaml:"hostNetwork"`
		DNSPolicy                     string `yaml:"dnsPolicy"`
		TerminationGracePeriodSeconds *int   `yaml:"terminationGracePeriodSeconds"`
		SecurityContext               struct {
			RunAsNonRoot *bool `yaml:"runAsNonRoot"`
			RunAsUser    *int  `yaml:"runAsUser"`
		} `yaml:"securityContext"`
		InitContainers []k8sContainer `yaml:"initContainers"`
		Containers     []k8sContainer `yaml:"containers"`
		Volumes        []struct {
			Name      string `yaml:"name"`
			ConfigMap *struct {
				Name string `yaml:"name"`
			} `yaml:"configMap"`
			Secret *struct {
				SecretName string `yaml:"secretName"`
				Optional   bool   `yaml:"optional"`
			} `yaml:"secret"`
			PVC *struct {
				ClaimName string `yaml:"claimName"`
			} `yaml:"persistentVolumeClaim"`
			EmptyDir *struct {
				Medium string `yaml:"medium"`
			} `yaml:"emptyDir"`
		} `yaml:"volumes"`
	}
	k8sContainer struct {
		Name    string   `yaml:"name"`
		Image   string   `yaml:"image"`
		Command []string `yaml:"command"`
		Args    []string `yaml:"args"`
		Ports   []struct {
			Name          string `yaml:"name"`
			ContainerPort int    `yaml:"containerPort"`
			Protocol      string `yaml:"protocol"`
		} `yaml:"ports"`
		ReadinessProbe *k8sProbe `yaml:"readinessProbe"`
		LivenessProbe  *k8sProbe `yaml:"livenessProbe"`
		Lifecycle      *struct {
			PreStop *struct {
				Sleep *struct {
					Seconds int `yaml:"seconds"`
				} `yaml:"sleep"`
				Exec *struct {
					Command []string `yaml:"command"`
				} `yaml:"exec"`
			} `yaml:"preStop"`
		} `yaml:"lifecycle"`
		Resources struct {
			Requests map[string]string `yaml:"requests"`
			Limits   map[string]string `yaml:"limits"`
		} `yaml:"resources"`
		SecurityContext *struct {
			AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
			ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
			RunAsNonRoot             *bool `yaml:"runAsNonRoot"`
			Capabilities             struct {
				Drop []string `yaml:"drop"`
			} `yaml:"capabilities"`
		} `yaml:"securityContext"`
		VolumeMounts []struct {
			Name      string `yaml:"name"`
			MountPath string `yaml:"mountPath"`
			ReadOnly  bool   `yaml:"readOnly"`
		} `yaml:"volumeMounts"`
	}
	k8sProbe struct {
		HTTPGet *struct {
			Path   string `yaml:"path"`
			Port   any    `yaml:"port"`
			Scheme string `yaml:"scheme"`
		} `yaml:"httpGet"`
		PeriodSeconds  int `yaml:"periodSeconds"`
		TimeoutSeconds int `yaml:"timeoutSeconds"`
	}
)

// k8sObjects reads every manifest under kubernetes/.
func k8sObjects(t *testing.T) []k8sObject {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(k8sDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in %s/: %v", k8sDir, err)
	}
	var objs []k8sObject
	for _, f := range files {
		docs, err := yamlDocs(readFile(t, f))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, d := range docs {
			var o k8sObject
			if err := d.Decode(&o); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			o.file = f
			objs = append(objs, o)
		}
	}
	return objs
}

// find returns the object of kind and name, or nil.
func find(objs []k8sObject, kind, name string) *k8sObject {
	for i := range objs {
		if objs[i].Kind == kind && objs[i].Metadata.Name == name {
			return &objs[i]
		}
	}
	return nil
}

// k8sCallgateConfig is the file the init container assembles: the
// ConfigMap's settings, a newline, then the Secret's credentials.
func k8sCallgateConfig(t *testing.T) string {
	t.Helper()
	objs := k8sObjects(t)
	cm := find(objs, "ConfigMap", "callgate-config")
	sec := find(objs, "Secret", "callgate-credentials")
	if cm == nil || sec == nil {
		t.Fatal("ConfigMap callgate-config or Secret callgate-credentials missing")
	}
	settings, creds := cm.Data["callgate.yaml"], sec.StringData["credentials.yaml"]
	if settings == "" || creds == "" {
		t.Fatal("ConfigMap key callgate.yaml or Secret key credentials.yaml empty")
	}
	return settings + "\n" + creds
}

// portOf resolves a probe's or Service's port (a number or a port name).
func portOf(c k8sContainer, p any) (int, bool) {
	switch v := p.(type) {
	case int:
		return v, true
	case string:
		if n, err := strconv.Atoi(v); err == nil {
			return n, true
		}
		for _, cp := range c.Ports {
			if cp.Name == v {
				return cp.ContainerPort, true
			}
		}
	}
	return 0, false
}

// TestKubernetesInvariants checks the manifests without a cluster: probes
// on /healthz at callgate's HTTP port, non-root read-only containers, a
// preStop and a grace period longer than the drain, and every referenced
// ConfigMap, Secret, claim and port defined.
func TestKubernetesInvariants(t *testing.T) {
	t.Parallel()
	objs := k8sObjects(t)
	for _, o := range objs {
		if o.APIVersion == "" || o.Kind == "" || o.Metadata.Name == "" {
			t.Errorf("%s: object without apiVersion, kind or metadata.name", o.file)
		}
		if o.Metadata.Labels["app.kubernetes.io/name"] != "callgate" {
			t.Errorf("%s: %s/%s lacks label app.kubernetes.io/name: callgate", o.file, o.Kind, o.Metadata.Name)
		}
	}
	for _, kind := range []string{"ConfigMap", "Secret", "Service", "PersistentVolumeClaim"} {
		if !slices.ContainsFunc(objs, func(o k8sObject) bool { return o.Kind == kind }) {
			t.Errorf("no %s among the manifests", kind)
		}
	}

	// callgate's HTTP port from the configuration the pod runs with.
	httpPort := listenPort(t, k8sCallgateConfig(t), "http", 8080)

	var workloads int
	for _, o := range objs {
		if o.Kind != "Deployment" && o.Kind != "StatefulSet" {
			continue
		}
		workloads++
		if o.Spec.Template == nil {
			t.Fatalf("%s: %s without a pod template", o.file, o.Kind)
		}
		ps := o.Spec.Template.Spec
		name := o.Kind + "/" + o.Metadata.Name
		if sc := ps.SecurityContext; sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || (sc.RunAsUser != nil && *sc.RunAsUser == 0) {
			t.Errorf("%s: pod securityContext must set runAsNonRoot: true (and no runAsUser 0)", name)
		}
		if ps.HostNetwork && ps.DNSPolicy != "ClusterFirstWithHostNet" {
			t.Errorf("%s: hostNetwork pods need dnsPolicy ClusterFirstWithHostNet to resolve Services", name)
		}
		sel, _ := o.Spec.Selector["matchLabels"].(map[string]any)
		for k, v := range sel {
			if o.Spec.Template.Metadata.Labels[k] != v {
				t.Errorf("%s: selector %s=%v does not match the pod labels", name, k, v)
			}
		}
		checkVolumes(t, name, ps, objs)

		all := append(slices.Clone(ps.InitContainers), ps.Containers...)
		for _, c := range all {
			cname := name + " container " + c.Name
			sc := c.SecurityContext
			switch {
			case sc == nil:
				t.Errorf("%s: no securityContext", cname)
			case sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
				t.Errorf("%s: readOnlyRootFilesystem must be true", cname)
			case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
				t.Errorf("%s: allowPrivilegeEscalation must be false", cname)
			case !slices.Contains(sc.Capabilities.Drop, "ALL"):
				t.Errorf("%s: capabilities must drop ALL", cname)
			case sc.RunAsNonRoot != nil && !*sc.RunAsNonRoot:
				t.Errorf("%s: runAsNonRoot overridden to false", cname)
			}
			if c.Resources.Requests["cpu"] == "" || c.Resources.Requests["memory"] == "" || c.Resources.Limits["memory"] == "" {
				t.Errorf("%s: needs cpu and memory requests and a memory limit", cname)
			}
			if c.Image == "" || strings.HasSuffix(c.Image, ":") {
				t.Errorf("%s: no image", cname)
			}
		}

		var gateway *k8sContainer
		for i, c := range ps.Containers {
			if c.Name == "callgate" {
				gateway = &ps.Containers[i]
			}
		}
		if gateway == nil {
			t.Errorf("%s: no container named callgate", name)
			continue
		}
		for _, p := range []struct {
			kind  string
			probe *k8sProbe
		}{{"readinessProbe", gateway.ReadinessProbe}, {"livenessProbe", gateway.LivenessProbe}} {
			if p.probe == nil || p.probe.HTTPGet == nil {
				t.Errorf("%s: callgate needs an httpGet %s", name, p.kind)
				continue
			}
			if p.probe.HTTPGet.Path != healthPath {
				t.Errorf("%s: %s path %q, want %s", name, p.kind, p.probe.HTTPGet.Path, healthPath)
			}
			if port, ok := portOf(*gateway, p.probe.HTTPGet.Port); !ok || port != httpPort {
				t.Errorf("%s: %s port %v is not callgate's HTTP port %d", name, p.kind, p.probe.HTTPGet.Port, httpPort)
			}
		}

		// Stopping: preStop first, then SIGTERM and callgate's drain, all
		// inside the grace period.
		preStop := 0
		if lc := gateway.Lifecycle; lc != nil && lc.PreStop != nil {
			if lc.PreStop.Sleep != nil {
				preStop = lc.PreStop.Sleep.Seconds
			} else if lc.PreStop.Exec != nil {
				preStop = 1
			}
		}
		if preStop <= 0 {
			t.Errorf("%s: callgate needs a preStop that lets traffic move away before SIGTERM", name)
		}
		grace := 30 // Kubernetes' default
		if ps.TerminationGracePeriodSeconds != nil {
			grace = *ps.TerminationGracePeriodSeconds
		}
		need := time.Duration(preStop)*time.Second + stopBound(t) + 5*time.Second
		if time.Duration(grace)*time.Second < need {
			t.Errorf("%s: terminationGracePeriodSeconds %d < preStop %ds + callgate's drain + 5 s margin (%s)", name, grace, preStop, need)
		}

		// The command reads the file the init container assembles.
		cmd := append(slices.Clone(gateway.Command), gateway.Args...)
		i := slices.Index(cmd, "-config")
		if i < 0 || i+1 >= len(cmd) {
			t.Errorf("%s: callgate command %q has no -config", name, cmd)
		} else if !mounted(*gateway, cmd[i+1]) {
			t.Errorf("%s: -config %s is not on a mounted volume", name, cmd[i+1])
		}
		if i := slices.Index(cmd, "-data"); i < 0 || i+1 >= len(cmd) || !mounted(*gateway, cmd[i+1]) {
			t.Errorf("%s: callgate needs -data on a mounted volume (registrations, DTLS certificate)", name)
		}
		checkServices(t, objs, o, *gateway)
	}
	if workloads != 1 {
		t.Errorf("want exactly one Deployment or StatefulSet, found %d", workloads)
	}
}

// mounted reports whether path lies on one of c's volume mounts.
func mounted(c k8sContainer, path string) bool {
	for _, m := range c.VolumeMounts {
		if path == m.MountPath || strings.HasPrefix(path, strings.TrimSuffix(m.MountPath, "/")+"/") {
			return true
		}
	}
	return false
}

// checkVolumes verifies that every volume's source is among the manifests
// (optional Secrets excepted) and every mount names a volume.
func checkVolumes(t *testing.T, name string, ps podSpec, objs []k8sObject) {
	t.Helper()
	vols := map[string]bool{}
	for _, v := range ps.Volumes {
		vols[v.Name] = true
		switch {
		case v.ConfigMap != nil && find(objs, "ConfigMap", v.ConfigMap.Name) == nil:
			t.Errorf("%s: volume %s: ConfigMap %s not defined", name, v.Name, v.ConfigMap.Name)
		case v.Secret != nil && !v.Secret.Optional && find(objs, "Secret", v.Secret.SecretName) == nil:
			t.Errorf("%s: volume %s: Secret %s not defined", name, v.Name, v.Secret.SecretName)
		case v.PVC != nil && find(objs, "PersistentVolumeClaim", v.PVC.ClaimName) == nil:
			t.Errorf("%s: volume %s: claim %s not defined", name, v.Name, v.PVC.ClaimName)
		}
	}
	for _, c := range append(slices.Clone(ps.InitContainers), ps.Containers...) {
		for _, m := range c.VolumeMounts {
			if !vols[m.Name] {
				t.Errorf("%s: container %s mounts undefined volume %s", name, c.Name, m.Name)
			}
		}
	}
}

// checkServices verifies that Services select the workload's pods and
// target ports the callgate container declares.
func checkServices(t *testing.T, objs []k8sObject, w k8sObject, c k8sContainer) {
	t.Helper()
	for _, s := range objs {
		if s.Kind != "Service" {
			continue
		}
		for k, v := range s.Spec.Selector {
			if w.Spec.Template.Metadata.Labels[k] != v {
				t.Errorf("Service/%s: selector %s=%v matches no pod of %s", s.Metadata.Name, k, v, w.Metadata.Name)
			}
		}
		for _, p := range s.Spec.Ports {
			target := p.TargetPort
			if target == nil {
				target = p.Port
			}
			if _, ok := portOf(c, target); !ok {
				t.Errorf("Service/%s: targetPort %v is not a port of container %s", s.Metadata.Name, target, c.Name)
			}
		}
	}
}

// listenPort returns the port of listen.<key> in a callgate configuration,
// or def when unset.
func listenPort(t *testing.T, cfg, key string, def int) int {
	t.Helper()
	var fc struct {
		Listen map[string]string `yaml:"listen"`
	}
	docs, err := yamlDocs([]byte(cfg))
	if err != nil || len(docs) == 0 {
		t.Fatalf("callgate configuration: %v", err)
	}
	if err := docs[0].Decode(&fc); err != nil {
		t.Fatalf("callgate configuration: %v", err)
	}
	addr := fc.Listen[key]
	if addr == "" {
		return def
	}
	_, port, err := net.SplitHostPort(addr)
	n, err2 := strconv.Atoi(port)
	if err != nil || err2 != nil {
		t.Fatalf("listen.%s %q is not host:port", key, addr)
	}
	return n
}

// TestKubernetesConfigIsOneDocument guards the init container's join: a
// "---" line would end the first YAML document, and callgate reads only
// that one, silently dropping the credentials.
func TestKubernetesConfigIsOneDocument(t *testing.T) {
	t.Parallel()
	cfg := k8sCallgateConfig(t)
	docs, err := yamlDocs([]byte(cfg))
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 {
		t.Fatalf("assembled configuration has %d YAML documents, want 1", len(docs))
	}
	var top map[string]any
	if err := docs[0].Decode(&top); err != nil {
		t.Fatalf("assembled configuration: %v (a key in both the ConfigMap and the Secret?)", err)
	}
	for _, k := range []string{"users", "auth"} {
		if _, ok := top[k]; !ok {
			t.Errorf("assembled configuration lacks %q; keep credentials in the Secret", k)
		}
	}
}

// writeTemp writes content to a file in a test's temporary directory.
func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
