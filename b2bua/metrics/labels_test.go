package metrics

import (
	"slices"
	"testing"
	"unicode/utf8"
)

func TestCodeLabel(t *testing.T) {
	for _, tc := range []struct {
		code int
		want string
	}{
		{0, "other"}, {100, "other"}, {180, "other"}, {200, "other"}, {299, "other"},
		{300, "3xx"}, {302, "3xx"}, {399, "3xx"},
		{400, "4xx"}, {401, "401"}, {403, "403"}, {404, "404"}, {407, "407"}, {408, "408"},
		{420, "4xx"}, {480, "480"}, {481, "481"}, {484, "484"}, {486, "486"}, {487, "487"},
		{488, "488"}, {489, "4xx"}, {499, "4xx"},
		{500, "500"}, {501, "5xx"}, {502, "502"}, {503, "503"}, {504, "504"}, {580, "5xx"},
		{600, "600"}, {603, "603"}, {604, "6xx"}, {606, "606"}, {699, "6xx"},
		{700, "other"}, {-1, "other"}, {1 << 30, "other"},
	} {
		if got := CodeLabel(tc.code); got != tc.want {
			t.Errorf("CodeLabel(%d) = %q, want %q", tc.code, got, tc.want)
		}
	}
}

func TestKind(t *testing.T) {
	for _, tc := range []struct {
		caller, callee, want string
	}{
		{"browser", "trunk", "browser_to_trunk"},
		{"Phone", "BROWSER", "phone_to_browser"},
		{"trunk", "trunk", "trunk_to_trunk"},
		{"fax", "phone", "other_to_phone"},
		{"", "", "other_to_other"},
	} {
		if got := Kind(tc.caller, tc.callee); got != tc.want {
			t.Errorf("Kind(%q, %q) = %q, want %q", tc.caller, tc.callee, got, tc.want)
		}
	}
}

func TestKindIndex(t *testing.T) {
	for i, k := range kindNames {
		if got := kindIndex(k); got != i {
			t.Errorf("kindIndex(%q) = %d, want %d", k, got, i)
		}
	}
	for in, want := range map[string]string{
		"Browser_to_Trunk": "browser_to_trunk",
		"phone_to_x":       "phone_to_other",
		"nonsense":         "other_to_other",
		"":                 "other_to_other",
		"_to_":             "other_to_other",
	} {
		if got := kindNames[kindIndex(in)]; got != want {
			t.Errorf("kindIndex(%q) -> %q, want %q", in, got, want)
		}
	}
}

func TestFixedSetLookups(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fn    func(string) int
		names []string
		in    string
		want  string
	}{
		{"transport", transportIndex, transportNames[:], "UDP", "udp"},
		{"transport", transportIndex, transportNames[:], "WSS", "wss"},
		{"transport", transportIndex, transportNames[:], "sctp", "other"},
		{"auth", authIndex, authReasons[:], "stale", "stale"},
		{"auth", authIndex, authReasons[:], "Token", "token"},
		{"auth", authIndex, authReasons[:], "other", "other"},
		{"auth", authIndex, authReasons[:], "x", "other"},
		{"state", regStateIndex, regStates[:], "REGISTERING", "registering"},
		{"state", regStateIndex, regStates[:], "", "unknown"},
		{"leg", legIndex, legNames[:], "TRUNK", "trunk"},
		{"leg", legIndex, legNames[:], "webrtc", "other"},
	} {
		if got := tc.names[tc.fn(tc.in)]; got != tc.want {
			t.Errorf("%s(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

// FuzzLabels checks that arbitrary input always maps onto the fixed label
// sets and never makes a metric method panic.
func FuzzLabels(f *testing.F) {
	f.Add("browser", "trunk_to_phone", 486)
	f.Add("\xff\xfe", "", -5)
	f.Add("WSS", "_to__to_", 700)
	f.Fuzz(func(t *testing.T, s, kind string, code int) {
		if i := legIndex(s); i < 0 || i >= numLegs {
			t.Fatalf("legIndex(%q) = %d", s, i)
		}
		if !slices.Contains(kindNames[:], Kind(s, kind)) {
			t.Fatalf("Kind(%q, %q) = %q", s, kind, Kind(s, kind))
		}
		if i := kindIndex(kind); i < 0 || i >= numKinds {
			t.Fatalf("kindIndex(%q) = %d", kind, i)
		}
		if !slices.Contains(codeNames[:], CodeLabel(code)) {
			t.Fatalf("CodeLabel(%d) = %q", code, CodeLabel(code))
		}
		for _, fn := range []func(string) int{transportIndex, authIndex, regStateIndex} {
			if i := fn(s); i < 0 || i > 5 {
				t.Fatalf("lookup(%q) = %d", s, i)
			}
		}
		if !utf8.ValidString(trunkLabel(s)) {
			t.Fatalf("trunkLabel(%q) not UTF-8", s)
		}
		m := New()
		m.CallStarted(s, kind)
		m.CallEnded(kind, code, false)
		m.Registered(s, 1)
		m.AuthFailure(s)
		m.RTP(s, 1, 1, 1)
		m.TrunkState(s, true, kind)
		if _, err := m.Registry().Gather(); err != nil {
			t.Fatalf("Gather: %v", err)
		}
	})
}
