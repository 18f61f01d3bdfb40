package deploy

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// yamlFiles lists every YAML file under deploy/.
func yamlFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if ext := filepath.Ext(path); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestYAMLFilesParse decodes every document of every YAML file here, and
// the YAML files embedded in ConfigMaps and Secrets, rejecting syntax
// errors, duplicate keys and tabs.
func TestYAMLFilesParse(t *testing.T) {
	t.Parallel()
	files := yamlFiles(t)
	for _, want := range []string{"callgate.example.yaml", "callgate.docker.yaml", "compose.yaml", filepath.Join("kubernetes", "deployment.yaml")} {
		found := false
		for _, f := range files {
			found = found || f == want
		}
		if !found {
			t.Errorf("%s missing", want)
		}
	}
	for _, f := range files {
		raw := readFile(t, f)
		docs, err := yamlDocs(raw)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if len(docs) == 0 {
			t.Errorf("%s: no YAML document", f)
		}
		for _, d := range docs {
			var obj struct {
				Kind       string            `yaml:"kind"`
				Data       map[string]string `yaml:"data"`
				StringData map[string]string `yaml:"stringData"`
			}
			if err := d.Decode(&obj); err != nil || (obj.Kind != "ConfigMap" && obj.Kind != "Secret") {
				continue
			}
			for key, v := range mergeMaps(obj.Data, obj.StringData) {
				if !strings.HasSuffix(key, ".yaml") {
					continue
				}
				var inner any
				if err := yaml.Unmarshal([]byte(v), &inner); err != nil {
					t.Errorf("%s: %s %q: %v", f, obj.Kind, key, err)
				}
				if strings.Contains(v, "\t") {
					t.Errorf("%s: %s %q contains a tab", f, obj.Kind, key)
				}
			}
		}
	}
}

// mergeMaps returns the union of a and b.
func mergeMaps(a, b map[string]string) map[string]string {
	m := map[string]string{}
	for k, v := range a {
		m[k] = v
	}
	for k, v := range b {
		m[k] = v
	}
	return m
}
