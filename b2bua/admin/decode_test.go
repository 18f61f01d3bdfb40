package admin

import (
	"reflect"
	"strings"
	"testing"
)

func TestDecodeUser(t *testing.T) {
	cases := []struct {
		in      string
		want    User
		wantErr string
	}{
		{`{}`, User{}, ""},
		{` {"name":"n","password":"p","allow":["a"],"groups":["g"],"max_calls":3}` + "\n",
			User{Name: "n", Password: "p", Allow: []string{"a"}, Groups: []string{"g"}, MaxCalls: 3}, ""},
		{`{"password":null}`, User{}, ""},
		{`{"bogus":1}`, User{}, "unknown field"},
		{`{"max_calls":1.5}`, User{}, "max_calls"},
		{`{"allow":"x"}`, User{}, "allow"},
		{`{"a":`, User{}, "invalid JSON"},
		{`{} x`, User{}, "after the object"},
		{`{}{}`, User{}, "after the object"},
		{`"str"`, User{}, "JSON object"},
		{`123`, User{}, "JSON object"},
		{``, User{}, "empty body"},
	}
	for _, tc := range cases {
		got, err := decodeUser([]byte(tc.in))
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: err %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestDecodeUserLongUnknownFieldTruncated(t *testing.T) {
	_, err := decodeUser([]byte(`{"` + strings.Repeat("k", 1000) + `":1}`))
	if err == nil || len(err.Error()) > 200 {
		t.Errorf("err %v", err)
	}
}

func TestIsClean(t *testing.T) {
	for p, want := range map[string]bool{
		"/admin/calls": true, "/admin/": true, "/": true,
		"/admin//calls": false, "/admin/./calls": false, "/admin/../x": false, "admin": false,
	} {
		if got := isClean(p); got != want {
			t.Errorf("isClean(%q) = %v", p, got)
		}
	}
}
