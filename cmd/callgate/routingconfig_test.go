package main

import (
	"errors"
	"net/netip"
	"testing"
	"time"
)

const routingYAML = `
trunks:
  - name: carrier-a
    address: sip.carrier-a.example:5060
    transport: udp
    username: acct
    password: secret
    register: true
    caller_id:
      from_user: "+4930999"
      asserted_identity: true
    inbound: [192.0.2.10, 198.51.100.0/24]
    codecs: [PCMA, PCMU]
    options_interval: 30s
    max_calls: 30
  - name: carrier-b
    addresses: [203.0.113.5]
    username: "4930777"
    password: other
    register:
      enabled: true
      expiry: 300s
      contact_user: callgate
routing:
  dialplan:
    - name: national
      prefix: "0"
      e164: true
      country_code: "49"
      trunks: [carrier-a, carrier-b]
  dids:
    - number: "+4930555"
      group: sales
  groups:
    sales: ["1000", "1001"]
  silent_refusal: true
users:
  - name: "1000"
    password: pw
    allow: ["^0[1-9]"]
    max_calls: 2
  - name: "1001"
    password: pw
    groups: [sales]
`

func TestRoutingConfigConverts(t *testing.T) {
	fc, err := parseConfig([]byte(routingYAML))
	if err != nil {
		t.Fatal(err)
	}
	rc, policies, err := routingFromFile(fc)
	if err != nil {
		t.Fatal(err)
	}
	if len(rc.Trunks) != 2 {
		t.Fatalf("trunks: %+v", rc.Trunks)
	}
	a, b := rc.Trunks[0], rc.Trunks[1]
	if a.Transport != "UDP" || a.Addresses[0] != "sip.carrier-a.example:5060" || !a.Register.Enabled ||
		a.CallerID.FromUser != "+4930999" || !a.CallerID.AssertedIdentity || a.MaxCalls != 30 ||
		a.OptionsInterval != 30*time.Second || len(a.Codecs) != 2 {
		t.Errorf("carrier-a converted to %+v", a)
	}
	if len(a.Inbound) != 2 || a.Inbound[0] != netip.MustParsePrefix("192.0.2.10/32") {
		t.Errorf("inbound: %v", a.Inbound)
	}
	if !b.Register.Enabled || b.Register.Expiry != 300*time.Second || b.Register.ContactUser != "callgate" {
		t.Errorf("carrier-b register: %+v", b.Register)
	}
	if len(rc.Dialplan) != 1 || rc.Dialplan[0].CountryCode != "49" || len(rc.DIDs) != 1 || !rc.SilentRefusal {
		t.Errorf("routing: %+v", rc)
	}
	if p := policies["1000"]; len(p.Allow) != 1 || p.MaxCalls != 2 {
		t.Errorf("policy 1000: %+v", p)
	}
	if p := policies["1001"]; len(p.Groups) != 1 {
		t.Errorf("policy 1001: %+v", p)
	}
}

func TestRoutingConfigErrorsNameTheKey(t *testing.T) {
	for _, tc := range []struct{ yaml, key string }{
		{"trunks:\n  - name: a\n    address: 192.0.2.1\n    inbound: [nonsense]\n", "trunks[0].inbound[0]"},
		{"trunks:\n  - name: a\n    adress: 192.0.2.1\n", "trunks[].adress"},
		{"trunks:\n  - address: 192.0.2.1\n", "trunks[0]"},
		{"routing:\n  dialplan:\n    - pattern: '('\n      trunks: [a]\n", "routing.dialplan"},
		{"routing:\n  dialplan:\n    - prefix: '0'\n      trunk: [a]\n", "routing.dialplan[].trunk"},
	} {
		fc, err := parseConfig([]byte(tc.yaml))
		if err == nil {
			_, _, err = routingFromFile(fc)
		}
		var ce *configError
		if !errors.As(err, &ce) {
			t.Errorf("%q: want a configError naming %s, got %v", tc.yaml, tc.key, err)
			continue
		}
		if ce.Key != tc.key {
			t.Errorf("%q: error names %q, want %q (%v)", tc.yaml, ce.Key, tc.key, err)
		}
	}
}
