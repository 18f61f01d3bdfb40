package admin

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// openAPIMethods are the operation keys of an OpenAPI 3.0 path item.
var openAPIMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

type apiOperation struct {
	Responses map[string]any        `json:"responses"`
	Security  []map[string][]string `json:"security"`
}

type apiParameter struct {
	Name     string `json:"name"`
	In       string `json:"in"`
	Required bool   `json:"required"`
}

type apiDoc struct {
	OpenAPI    string                     `json:"openapi"`
	Security   []map[string][]string      `json:"security"`
	Paths      map[string]json.RawMessage `json:"paths"`
	Components struct {
		SecuritySchemes map[string]struct {
			Type   string `json:"type"`
			Scheme string `json:"scheme"`
		} `json:"securitySchemes"`
	} `json:"components"`
}

// documentedOperations parses the embedded document into "METHOD /path"
// keys with their operations and path-level parameters.
func documentedOperations(t *testing.T) (apiDoc, map[string]apiOperation, map[string][]apiParameter) {
	t.Helper()
	var doc apiDoc
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	ops := map[string]apiOperation{}
	pathParams := map[string][]apiParameter{}
	for p, raw := range doc.Paths {
		var item map[string]json.RawMessage
		if err := json.Unmarshal(raw, &item); err != nil {
			t.Fatalf("path %s: %v", p, err)
		}
		for k, v := range item {
			if k == "parameters" {
				var ps []apiParameter
				if err := json.Unmarshal(v, &ps); err != nil {
					t.Fatalf("path %s parameters: %v", p, err)
				}
				pathParams[p] = ps
				continue
			}
			if !slices.Contains(openAPIMethods, k) {
				t.Errorf("path %s: unexpected key %q", p, k)
				continue
			}
			var op apiOperation
			if err := json.Unmarshal(v, &op); err != nil {
				t.Fatalf("%s %s: %v", k, p, err)
			}
			ops[strings.ToUpper(k)+" "+p] = op
		}
	}
	return doc, ops, pathParams
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	h, err := New(Config{Token: testToken}, newFake())
	if err != nil {
		t.Fatal(err)
	}
	doc, ops, pathParams := documentedOperations(t)
	if !strings.HasPrefix(doc.OpenAPI, "3.0.") {
		t.Errorf("openapi version %q", doc.OpenAPI)
	}

	var served []string
	for _, rt := range h.routes() {
		served = append(served, rt.method+" "+rt.path)
	}
	var documented []string
	for k := range ops {
		documented = append(documented, k)
	}
	slices.Sort(served)
	slices.Sort(documented)
	for _, k := range served {
		if _, ok := ops[k]; !ok {
			t.Errorf("route %s is not documented", k)
		}
	}
	for _, k := range documented {
		if !slices.Contains(served, k) {
			t.Errorf("documented %s is not served", k)
		}
	}

	// The mux itself resolves every documented operation to that very
	// pattern, and every other method on a documented path to 405.
	wildcard := regexp.MustCompile(`\{[^}]+\}`)
	for p := range doc.Paths {
		concrete := wildcard.ReplaceAllString(p, "x")
		for _, m := range openAPIMethods {
			method := strings.ToUpper(m)
			req := httptest.NewRequest(method, concrete, nil)
			_, pattern := h.mux.Handler(req)
			key := method + " " + p
			_, isDoc := ops[key]
			switch {
			case isDoc && pattern != key:
				t.Errorf("%s %s resolves to %q, want %q", method, concrete, pattern, key)
			case !isDoc && h.patterns[pattern] && !(method == http.MethodHead && pattern == "GET "+p):
				t.Errorf("%s %s is served by %q but not documented", method, concrete, pattern)
			}
		}
	}

	// Path templates declare their parameters.
	for p := range doc.Paths {
		for _, name := range wildcard.FindAllString(p, -1) {
			name = strings.Trim(name, "{}")
			i := slices.IndexFunc(pathParams[p], func(ap apiParameter) bool { return ap.Name == name })
			if i < 0 || pathParams[p][i].In != "path" || !pathParams[p][i].Required {
				t.Errorf("path %s: parameter %q not declared as a required path parameter", p, name)
			}
		}
	}

	// Security: bearer scheme, required globally, never switched off.
	if s, ok := doc.Components.SecuritySchemes["bearerAuth"]; !ok || s.Type != "http" || s.Scheme != "bearer" {
		t.Errorf("bearerAuth scheme: %+v", doc.Components.SecuritySchemes)
	}
	if len(doc.Security) != 1 || doc.Security[0]["bearerAuth"] == nil {
		t.Errorf("global security %v", doc.Security)
	}
	for k, op := range ops {
		if op.Security != nil {
			t.Errorf("%s overrides security", k)
		}
		if _, ok := op.Responses["401"]; !ok {
			t.Errorf("%s does not document 401", k)
		}
	}
}

func TestOpenAPIRefsResolve(t *testing.T) {
	var root map[string]any
	if err := json.Unmarshal(openAPIDoc, &root); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				if resolveRef(root, ref) == nil {
					t.Errorf("unresolved $ref %q", ref)
				}
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(root)
}

// resolveRef follows a local "#/a/b" reference.
func resolveRef(root map[string]any, ref string) any {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil
	}
	var cur any = root
	for _, part := range strings.Split(rest, "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

func TestOpenAPISchemasMatchTypes(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatal(err)
	}
	full := func(v any) []string {
		// Fill every optional field so omitempty keeps them all.
		return jsonKeys(t, v)
	}
	now := ptrNow()
	cases := map[string][]string{
		"CallInfo":          full(CallInfo{Trunk: "t", Answered: now, Codec: "c"}),
		"Registration":      full(Registration{InstanceID: "i"}),
		"User":              full(viewOf(User{})),
		"UserInput":         full(User{Password: "p"}),
		"TrunkStatus":       full(TrunkStatus{LastPing: now, LastPingError: "e"}),
		"TrunkRegistration": full(TrunkRegistration{State: "s", LastError: "e", Expires: now}),
		"CallList":          full(callList{}),
		"UserList":          full(userList{}),
		"RegistrationList":  full(registrationList{}),
		"TrunkList":         full(trunkList{}),
		"Error":             full(errorBody{}),
	}
	for name, keys := range cases {
		s, ok := doc.Components.Schemas[name]
		if !ok {
			t.Errorf("schema %s missing", name)
			continue
		}
		var props []string
		for k := range s.Properties {
			props = append(props, k)
		}
		slices.Sort(props)
		if !slices.Equal(props, keys) {
			t.Errorf("schema %s properties %v, Go type encodes %v", name, props, keys)
		}
	}
}

func ptrNow() *time.Time {
	n := time.Now()
	return &n
}
