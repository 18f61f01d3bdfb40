package dtmf

import (
	"errors"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestParseMode(t *testing.T) {
	good := map[string]Mode{
		"": ModeAuto, "auto": ModeAuto, " AUTO ": ModeAuto,
		"rfc4733": ModeRFC4733, "RFC2833": ModeRFC4733,
		"info": ModeInfo, "SIP-INFO": ModeInfo, "sipinfo": ModeInfo,
	}
	for s, want := range good {
		if got, err := ParseMode(s); err != nil || got != want {
			t.Errorf("ParseMode(%q) = %v %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"inband", "rfc 4733", "2833", "none", "auto,info"} {
		if m, err := ParseMode(s); !errors.Is(err, ErrBadMode) {
			t.Errorf("ParseMode(%q) = %v %v", s, m, err)
		}
	}
	for _, m := range []Mode{ModeAuto, ModeRFC4733, ModeInfo} {
		b, err := m.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Mode
		if err := back.UnmarshalText(b); err != nil || back != m || string(b) != m.String() {
			t.Errorf("%v: text %q back %v %v", m, b, back, err)
		}
	}
	if _, err := Mode(9).MarshalText(); !errors.Is(err, ErrBadMode) {
		t.Errorf("Mode(9).MarshalText: %v", err)
	}
	if Mode(9).String() != "Mode(9)" {
		t.Errorf("Mode(9).String() = %q", Mode(9).String())
	}
	m := ModeInfo
	if err := m.UnmarshalText([]byte("bogus")); !errors.Is(err, ErrBadMode) || m != ModeInfo {
		t.Errorf("UnmarshalText(bogus) = %v, left %v", err, m)
	}
}

func TestModeFromYAML(t *testing.T) {
	var cfg struct {
		Phone   Mode `yaml:"phone"`
		Trunk   Mode `yaml:"trunk"`
		Browser Mode `yaml:"browser"`
	}
	if err := yaml.Unmarshal([]byte("phone: rfc4733\ntrunk: info\n"), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Phone != ModeRFC4733 || cfg.Trunk != ModeInfo || cfg.Browser != ModeAuto {
		t.Fatalf("%+v", cfg)
	}
	if err := yaml.Unmarshal([]byte("phone: carrier-pigeon\n"), &cfg); !errors.Is(err, ErrBadMode) {
		t.Fatalf("bad mode: %v", err)
	}
}

func TestModeResolve(t *testing.T) {
	tests := []struct {
		m    Mode
		p    Peer
		want Mode
	}{
		{ModeAuto, Peer{TelephoneEvent: true}, ModeRFC4733},
		{ModeAuto, Peer{}, ModeInfo},
		{ModeAuto, Peer{TelephoneEvent: true, Browser: true}, ModeInfo},
		{ModeAuto, Peer{Browser: true}, ModeInfo},
		{ModeRFC4733, Peer{TelephoneEvent: true}, ModeRFC4733},
		{ModeRFC4733, Peer{}, ModeInfo},
		{ModeRFC4733, Peer{TelephoneEvent: true, Browser: true}, ModeRFC4733},
		{ModeInfo, Peer{TelephoneEvent: true}, ModeInfo},
		{ModeInfo, Peer{TelephoneEvent: true, Browser: true}, ModeInfo},
	}
	for _, tc := range tests {
		if got := tc.m.Resolve(tc.p); got != tc.want {
			t.Errorf("%v.Resolve(%+v) = %v, want %v", tc.m, tc.p, got, tc.want)
		}
	}
}
