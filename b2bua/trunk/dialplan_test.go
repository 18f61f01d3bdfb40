package trunk

import (
	"errors"
	"slices"
	"testing"
)

// testRules is a small but complete dialplan.
var testRules = []Rule{
	{Name: "emergency", Pattern: `^(112|110)$`, Trunks: []string{"pstn-a", "pstn-b"}},
	{Name: "sales-intl", Prefix: "00", Callers: []string{"@sales", "1000"}, E164: true, CountryCode: "49", Trunks: []string{"intl"}},
	{Name: "uk", Prefix: "+44", Trunks: []string{"uk"}},
	{Name: "us", Prefix: "1", Strip: 0, Prepend: "+", Trunks: []string{"us"}},
	{Name: "outside-line", Prefix: "9", Strip: 1, E164: true, CountryCode: "49", Trunks: []string{"pstn-a"}},
	{Name: "national", Pattern: `^0[1-9][0-9]{5,}$`, E164: true, CountryCode: "49", Trunks: []string{"pstn-a", "pstn-b"}},
	{Name: "short", Pattern: `^[2-8][0-9]{2}$`, Prepend: "0301234", Trunks: []string{"pstn-b"}},
	{Pattern: `^\+`, Trunks: []string{"intl"}},
}

func TestDialplanRoute(t *testing.T) {
	d, err := NewDialplan(testRules)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		caller string
		groups []string
		number string
		rule   string // "" = no route
		want   string
		trunks []string
	}{
		{"1001", nil, "112", "emergency", "112", []string{"pstn-a", "pstn-b"}},
		{"1001", nil, "1120", "us", "+1120", []string{"us"}},                                // the emergency pattern is anchored; prefix "1" takes it
		{"1000", nil, "0033 1 23 45 67 89", "sales-intl", "+33123456789", []string{"intl"}}, // user listed; separators removed
		{"1002", []string{"sales"}, "0033123456789", "sales-intl", "+33123456789", []string{"intl"}},
		{"1002", []string{"support"}, "0033123456789", "", "", nil},                              // neither user nor group
		{"1002", []string{"support"}, "+33123456789", "rule8", "+33123456789", []string{"intl"}}, // default rule name
		{"1001", nil, "+442071234567", "uk", "+442071234567", []string{"uk"}},
		{"1001", nil, "442071234567", "", "", nil},                                        // "+44" prefix needs the +
		{"1001", nil, "12125550100", "us", "+12125550100", []string{"us"}},                // prepend
		{"1001", nil, "+12125550100", "us", "+12125550100", []string{"us"}},               // "1" ignores the +; rewrite drops it before Prepend
		{"1001", nil, "90301234567", "outside-line", "+49301234567", []string{"pstn-a"}},  // strip 1, national → E.164
		{"1001", nil, "9004420712345", "outside-line", "+4420712345", []string{"pstn-a"}}, // strip 1, "00" → +
		{"1001", nil, "9+4420712345", "outside-line", "+4420712345", []string{"pstn-a"}},  // a + after 9 is not an E.164 rewrite problem
		{"1001", nil, "91234", "", "", nil},                                               // not normalisable: next rules do not match either
		{"1001", nil, "0301234567", "national", "+49301234567", []string{"pstn-a", "pstn-b"}},
		{"1001", nil, "0301", "", "", nil},
		{"1001", nil, "234", "short", "0301234234", []string{"pstn-b"}},
		{"1001", nil, "", "", "", nil},
	} {
		r, ok := d.Route(tc.caller, tc.groups, tc.number)
		if tc.rule == "" {
			if ok {
				t.Errorf("Route(%q, %v, %q) = %+v; want no route", tc.caller, tc.groups, tc.number, r)
			}
			continue
		}
		if !ok || r.Rule != tc.rule || r.Number != tc.want || !slices.Equal(r.Trunks, tc.trunks) {
			t.Errorf("Route(%q, %v, %q) = %+v, %v; want rule %s number %s trunks %v", tc.caller, tc.groups, tc.number, r, ok, tc.rule, tc.want, tc.trunks)
		}
	}
}

// TestDialplanStripTooLong: a rule stripping more digits than dialled
// does not match, and the next rule is tried.
func TestDialplanStripTooLong(t *testing.T) {
	d, err := NewDialplan([]Rule{
		{Name: "a", Prefix: "5", Strip: 4, Trunks: []string{"x"}},
		{Name: "b", Prefix: "5", Strip: 1, Trunks: []string{"y"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := d.Route("u", nil, "555"); !ok || r.Rule != "b" || r.Number != "55" {
		t.Fatalf("got %+v %v", r, ok)
	}
	if r, ok := d.Route("u", nil, "5"); ok {
		t.Fatalf("strip to empty matched: %+v", r)
	}
}

// TestDialplanRouteOwnsTrunks: the returned slice may be modified.
func TestDialplanRouteOwnsTrunks(t *testing.T) {
	d, _ := NewDialplan([]Rule{{Prefix: "1", Trunks: []string{"a", "b"}}})
	r, _ := d.Route("u", nil, "123")
	r.Trunks[0] = "zz"
	if r2, _ := d.Route("u", nil, "123"); r2.Trunks[0] != "a" {
		t.Fatal("dialplan shares its trunk slice")
	}
	if rules := d.Rules(); rules[0].Name != "rule1" {
		t.Fatalf("Rules: %+v", rules)
	}
	var nilPlan *Dialplan
	if _, ok := nilPlan.Route("u", nil, "1"); ok {
		t.Fatal("nil dialplan routed")
	}
}

func TestNewDialplanErrors(t *testing.T) {
	for name, r := range map[string]Rule{
		"neither":        {Trunks: []string{"a"}},
		"both":           {Prefix: "1", Pattern: "1", Trunks: []string{"a"}},
		"bad regexp":     {Pattern: "(", Trunks: []string{"a"}},
		"bad prefix":     {Prefix: "1a", Trunks: []string{"a"}},
		"inner plus":     {Prefix: "1+", Trunks: []string{"a"}},
		"no trunks":      {Prefix: "1"},
		"empty trunk":    {Prefix: "1", Trunks: []string{""}},
		"repeated trunk": {Prefix: "1", Trunks: []string{"a", "a"}},
		"negative strip": {Prefix: "1", Strip: -1, Trunks: []string{"a"}},
		"huge strip":     {Prefix: "1", Strip: 1000, Trunks: []string{"a"}},
		"bad prepend":    {Prefix: "1", Prepend: "x", Trunks: []string{"a"}},
		"e164 no cc":     {Prefix: "1", E164: true, Trunks: []string{"a"}},
		"e164 bad cc":    {Prefix: "1", E164: true, CountryCode: "0", Trunks: []string{"a"}},
		"cc no e164":     {Prefix: "1", CountryCode: "49", Trunks: []string{"a"}},
		"empty caller":   {Prefix: "1", Callers: []string{""}, Trunks: []string{"a"}},
		"bare @":         {Prefix: "1", Callers: []string{"@"}, Trunks: []string{"a"}},
	} {
		if _, err := NewDialplan([]Rule{r}); !errors.Is(err, ErrBadConfig) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	_, err := NewDialplan([]Rule{{Name: "x", Prefix: "1", Trunks: []string{"a"}}, {Name: "x", Prefix: "2", Trunks: []string{"a"}}})
	if !errors.Is(err, ErrBadConfig) {
		t.Errorf("duplicate names: %v", err)
	}
	if d, err := NewDialplan(nil); err != nil || d == nil {
		t.Errorf("empty dialplan: %v", err)
	}
}

func TestDialplanCheckTrunks(t *testing.T) {
	d, _ := NewDialplan(testRules)
	known := map[string]bool{"pstn-a": true, "pstn-b": true, "intl": true, "uk": true}
	err := d.CheckTrunks(func(n string) bool { return known[n] })
	if !errors.Is(err, ErrBadConfig) {
		t.Fatalf("missing trunk us: %v", err)
	}
	known["us"] = true
	if err := d.CheckTrunks(func(n string) bool { return known[n] }); err != nil {
		t.Fatal(err)
	}
}

func TestPatternSet(t *testing.T) {
	var none *PatternSet
	if !none.Match("anything") {
		t.Fatal("nil set must match")
	}
	p, err := NewPatternSet(nil)
	if err != nil || p != nil {
		t.Fatalf("empty list: %v %v", p, err)
	}
	p, err = NewPatternSet([]string{`^\+49`, `^0[1-9]`, `^1[0-9]{3}$`})
	if err != nil {
		t.Fatal(err)
	}
	for n, want := range map[string]bool{"+4930123": true, "030123": true, "1000": true, "10000": false, "+33123": false, "00331": false} {
		if p.Match(n) != want {
			t.Errorf("Match(%q) = %v", n, !want)
		}
	}
	for _, bad := range [][]string{{"("}, {""}} {
		if _, err := NewPatternSet(bad); !errors.Is(err, ErrBadConfig) {
			t.Errorf("NewPatternSet(%q) err = %v", bad, err)
		}
	}
}

func BenchmarkDialplanRoute(b *testing.B) {
	d, err := NewDialplan(testRules)
	if err != nil {
		b.Fatal(err)
	}
	groups := []string{"support"}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := d.Route("1001", groups, "0301234567"); !ok {
			b.Fatal("no route")
		}
	}
}
