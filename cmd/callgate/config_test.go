package main

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseConfigErrorsNameTheKey(t *testing.T) {
	for _, tc := range []struct{ yaml, key string }{
		{"domian: x\n", "domian"},
		{"listen:\n  sip_udpp: ':5060'\n", "listen.sip_udpp"},
		{"listen:\n  http: 'nope'\n", "listen.http"},
		{"listen:\n  sip_tls: ':5061'\n", "listen.sip_tls"},
		{"tls:\n  cert_file: a.pem\n", "tls"},
		{"websocket:\n  path: ws\n", "websocket.path"},
		{"websocket:\n  read_limit: 99999999\n", "websocket.read_limit"},
		// Above the SIP stack's read buffer (b2bua.MaxMessageSize).
		{"websocket:\n  read_limit: 32769\n", "websocket.read_limit"},
		{"websocket:\n  allowed_origins: [example.com]\n", "websocket.allowed_origins[0]"},
		{"registrar:\n  min_expires: 600s\n  max_expires: 60s\n", "registrar.max_expires"},
		{"auth:\n  algorithms: [SHA-1]\n", "auth.algorithms[0]"},
		{"auth:\n  token_secret: short\n", "auth.token_secret"},
		{"media:\n  phone_dtmf: tones\n", "media.phone_dtmf"},
		{"webrtc:\n  port_min: 40000\n", "webrtc.port_max"},
		{"webrtc:\n  port_min: 5000\n  port_max: 4000\n", "webrtc.port_min"},
		{"webrtc:\n  opus_bitrate: 1000\n", "webrtc.opus_bitrate"},
		{"webrtc:\n  opus_complexity: 11\n", "webrtc.opus_complexity"},
		{"users:\n  - name: ''\n    password: x\n", "users[0].name"},
		{"users:\n  - name: a\n", "users[0]"},
		{"users:\n  - name: a\n    password: x\n  - name: a\n    password: y\n", "users[1].name"},
		{"users:\n  - name: a\n    ha1_md5: xyz\n", "users[0].ha1_md5"},
		{"users:\n  - name: a\n    passwd: x\n", "users[].passwd"},
		{"log:\n  level: loud\n", "log.level"},
		{"log:\n  format: xml\n", "log.format"},
	} {
		_, err := parseConfig([]byte(tc.yaml))
		var ce *configError
		if !errors.As(err, &ce) {
			t.Errorf("%q: want a configError naming %s, got %v", tc.yaml, tc.key, err)
			continue
		}
		if ce.Key != tc.key {
			t.Errorf("%q: error names %q, want %q (%v)", tc.yaml, ce.Key, tc.key, err)
		}
	}
	if _, err := parseConfig([]byte("registrar:\n  min_expires: soon\n")); err == nil || !strings.Contains(err.Error(), "soon") {
		t.Errorf("bad duration: %v", err)
	}
}

func TestExampleConfigIsValid(t *testing.T) {
	for _, name := range []string{"callgate.example.yaml", "callgate.docker.yaml"} {
		raw, err := os.ReadFile(filepath.Join("..", "..", "deploy", name))
		if err != nil {
			t.Fatal(err)
		}
		fc, err := parseConfig(raw)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if name == "callgate.example.yaml" {
			if len(fc.Users) != 2 || time.Duration(fc.WebSocket.PingInterval) != 25*time.Second {
				t.Fatalf("example parsed oddly: %+v", fc)
			}
		}
	}
}

func TestEmptyConfigIsDefaults(t *testing.T) {
	fc, err := parseConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := applyFlags(&fc, flags{}); err != nil {
		t.Fatal(err)
	}
	if fc.Listen.SIPUDP != ":5060" || fc.Listen.SIPTCP != ":5060" || fc.Listen.HTTP != ":8080" || fc.DataDir != "callgate-data" {
		t.Fatalf("defaults: %+v", fc.Listen)
	}
}

// TestOpusEncoderKeysReachGateway: webrtc.opus_bitrate and
// webrtc.opus_complexity end up in the gateway's WebRTC config.
func TestOpusEncoderKeysReachGateway(t *testing.T) {
	fc, err := parseConfig([]byte("data_dir: " + t.TempDir() + "\nwebrtc:\n  opus_bitrate: 40000\n  opus_complexity: 5\n"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := gatewayConfig(fc, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.WebRTC.OpusBitrate != 40000 || cfg.WebRTC.OpusComplexity != 5 {
		t.Errorf("opus bitrate %d complexity %d", cfg.WebRTC.OpusBitrate, cfg.WebRTC.OpusComplexity)
	}
}
