package admin

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// jsonKeys returns the sorted top-level keys of v encoded as JSON.
func jsonKeys(t testing.TB, v any) []string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func TestUserLifecycle(t *testing.T) {
	e := newEnv(t, func(c *Config) {})
	pw := e.secret("pw-alice-7d1e")
	pw2 := e.secret("pw-alice-new-90ab")

	wantStatus(t, e.get("/admin/users/alice"), http.StatusNotFound)

	r := e.put("/admin/users/alice", `{"password":"`+pw+`","allow":["^\\+49"],"groups":["sales"],"max_calls":2}`)
	wantStatus(t, r, http.StatusCreated)
	var v userView
	r.decode(t, &v)
	want := userView{Name: "alice", Allow: []string{`^\+49`}, Groups: []string{"sales"}, MaxCalls: 2}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("created: %+v, want %+v", v, want)
	}
	if e.fb.users["alice"].Password != pw {
		t.Error("password not passed to the backend")
	}

	r = e.get("/admin/users/alice")
	wantStatus(t, r, http.StatusOK)
	r.decode(t, &v)
	if !reflect.DeepEqual(v, want) {
		t.Errorf("get: %+v", v)
	}

	// Replacing without a password keeps it (backend contract).
	r = e.put("/admin/users/alice", `{"groups":[]}`)
	wantStatus(t, r, http.StatusOK)
	r.decode(t, &v)
	if want := (userView{Name: "alice", Allow: []string{}, Groups: []string{}}); !reflect.DeepEqual(v, want) {
		t.Errorf("replaced: %+v", v)
	}
	if e.fb.users["alice"].Password != pw {
		t.Error("stored password lost on replace")
	}
	wantStatus(t, e.put("/admin/users/alice", `{"password":"`+pw2+`"}`), http.StatusOK)
	if e.fb.users["alice"].Password != pw2 {
		t.Error("password not changed")
	}

	wantStatus(t, e.put("/admin/users/bob", `{"password":"`+e.secret("pw-bob-44c2")+`"}`), http.StatusCreated)
	r = e.get("/admin/users")
	wantStatus(t, r, http.StatusOK)
	var list userList
	r.decode(t, &list)
	if len(list.Users) != 2 || list.Users[0].Name != "alice" || list.Users[1].Name != "bob" {
		t.Errorf("list: %+v", list.Users)
	}

	wantStatus(t, e.del("/admin/users/alice"), http.StatusNoContent)
	wantStatus(t, e.get("/admin/users/alice"), http.StatusNotFound)
	r = e.del("/admin/users/alice")
	wantStatus(t, r, http.StatusNotFound)
	if msg := r.errMsg(t); !strings.Contains(msg, `"alice"`) {
		t.Errorf("message %q", msg)
	}
	logs := e.logs.String()
	for _, s := range []string{"user stored", "user deleted", "password_set=true"} {
		if !strings.Contains(logs, s) {
			t.Errorf("logs lack %q", s)
		}
	}
}

func TestPasswordWriteOnlyEvenIfBackendLeaks(t *testing.T) {
	e := newEnv(t, nil)
	e.fb.leakPasswords = true
	pw := e.secret("leaky-pw-5c3b")
	wantStatus(t, e.put("/admin/users/carol", `{"password":"`+pw+`"}`), http.StatusCreated)
	// checkCommon fails the test if pw or a "password" key shows up.
	wantStatus(t, e.get("/admin/users/carol"), http.StatusOK)
	wantStatus(t, e.get("/admin/users"), http.StatusOK)
	wantStatus(t, e.put("/admin/users/carol", `{"max_calls":1}`), http.StatusOK)
}

func TestPutUserPathNameWins(t *testing.T) {
	e := newEnv(t, nil)
	r := e.put("/admin/users/dave", `{"name":"mallory","password":"`+e.secret("pw-dave-0e0e")+`"}`)
	wantStatus(t, r, http.StatusCreated)
	var v userView
	r.decode(t, &v)
	if v.Name != "dave" {
		t.Errorf("name %q", v.Name)
	}
	if _, ok := e.fb.users["mallory"]; ok {
		t.Error("body name used")
	}
	if _, ok := e.fb.users["dave"]; !ok {
		t.Error("path name not used")
	}
}

func TestPutUserEscapedName(t *testing.T) {
	e := newEnv(t, nil)
	// The fake refuses the decoded name, which proves it arrived decoded.
	r := e.put("/admin/users/a%2Fb", `{"password":"x"}`)
	wantStatus(t, r, http.StatusBadRequest)
	if msg := r.errMsg(t); !strings.Contains(msg, `"a/b"`) {
		t.Errorf("message %q", msg)
	}
}

func TestPutUserBadBody(t *testing.T) {
	e := newEnv(t, nil)
	cases := []struct {
		name, body, wantMsg string
	}{
		{"unknown field", `{"password":"x","admin":true}`, "unknown field"},
		{"invalid JSON", `{"password":`, "invalid JSON"},
		{"syntax", `{"password" "x"}`, "syntax error"},
		{"wrong type", `{"max_calls":"many"}`, "max_calls"},
		{"trailing data", `{"password":"x"} {}`, "after the object"},
		{"array", `[{"password":"x"}]`, "JSON object"},
		{"null", `null`, "JSON object"},
		{"empty", ``, "empty body"},
		{"only space", " \n ", "empty body"},
		{"backend refuses", `{"max_calls":-1,"password":"x"}`, "max_calls must not be negative"},
		{"new user without password", `{}`, "needs a password"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.put("/admin/users/erin", tc.body)
			wantStatus(t, r, http.StatusBadRequest)
			if msg := r.errMsg(t); !strings.Contains(msg, tc.wantMsg) {
				t.Errorf("message %q lacks %q", msg, tc.wantMsg)
			}
		})
	}
	if len(e.fb.users) != 0 {
		t.Errorf("users stored: %v", e.fb.users)
	}
}

func TestPutUserTypeErrorHidesValue(t *testing.T) {
	e := newEnv(t, nil)
	r := e.put("/admin/users/erin", `{"password":12345678987654321}`)
	wantStatus(t, r, http.StatusBadRequest)
	if msg := r.errMsg(t); strings.Contains(msg, "12345678987654321") {
		t.Errorf("message echoes the value: %q", msg)
	}
}

func TestPutUserContentType(t *testing.T) {
	e := newEnv(t, nil)
	body := `{"password":"x"}`
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "application/jsonx", "application/json; charset"} {
		hdr := map[string]string{"Content-Type": ct}
		r := e.do(http.MethodPut, "/admin/users/frank", strings.NewReader(body), hdr)
		wantStatus(t, r, http.StatusUnsupportedMediaType)
		r.errMsg(t)
	}
	for i, ct := range []string{"application/json; charset=utf-8", "Application/JSON"} {
		hdr := map[string]string{"Content-Type": ct}
		r := e.do(http.MethodPut, fmt.Sprintf("/admin/users/frank%d", i), strings.NewReader(body), hdr)
		wantStatus(t, r, http.StatusCreated)
	}
}

// unsized hides the length of a reader so the client sends it chunked.
type unsized struct{ io.Reader }

func TestPutUserBodyLimit(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxBody = 256 })
	big := `{"groups":["` + strings.Repeat("g", 300) + `"],"password":"x"}`

	r := e.put("/admin/users/gina", big)
	wantStatus(t, r, http.StatusRequestEntityTooLarge)
	r.errMsg(t)

	r = e.do(http.MethodPut, "/admin/users/gina", unsized{strings.NewReader(big)}, nil)
	wantStatus(t, r, http.StatusRequestEntityTooLarge)
	r.errMsg(t)

	// Exactly at the limit is fine.
	ok := `{"password":"x","groups":["` + strings.Repeat("g", 256-len(`{"password":"x","groups":[""]}`)) + `"]}`
	if len(ok) != 256 {
		t.Fatalf("test body is %d bytes", len(ok))
	}
	wantStatus(t, e.do(http.MethodPut, "/admin/users/gina", unsized{strings.NewReader(ok)}, nil), http.StatusCreated)
	if len(e.fb.users) != 1 {
		t.Errorf("users: %v", e.fb.users)
	}
}

func TestDefaultBodyLimit(t *testing.T) {
	e := newEnv(t, nil)
	big := `{"password":"x","groups":["` + strings.Repeat("g", DefaultMaxBody) + `"]}`
	wantStatus(t, e.put("/admin/users/hank", big), http.StatusRequestEntityTooLarge)
}

func TestUsersBackendFailure(t *testing.T) {
	e := newEnv(t, nil)
	e.fb.usersErr = fmt.Errorf("bolt: %w", errStore)
	for _, r := range []response{
		e.get("/admin/users"),
		e.get("/admin/users/ivan"),
		e.put("/admin/users/ivan", `{"password":"x"}`),
		e.del("/admin/users/ivan"),
	} {
		wantStatus(t, r, http.StatusInternalServerError)
		if msg := r.errMsg(t); !strings.Contains(msg, "store unavailable") {
			t.Errorf("message %q", msg)
		}
	}
}

func TestUserJSONNames(t *testing.T) {
	got := jsonKeys(t, User{Name: "a", Password: "p"})
	want := []string{"allow", "groups", "max_calls", "name", "password"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("User keys %v", got)
	}
	got = jsonKeys(t, viewOf(User{Name: "a", Password: "p"}))
	want = []string{"allow", "groups", "max_calls", "name"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("view keys %v", got)
	}
}
