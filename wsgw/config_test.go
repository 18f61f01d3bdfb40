package wsgw

import (
	"regexp"
	"testing"
	"time"
)

func TestConfigDefaults(t *testing.T) {
	c := Config{}.withDefaults()
	if c.Path != "/ws" || c.ReadLimit != 65536 || c.HandshakeTimeout != 5*time.Second ||
		c.PingInterval != 25*time.Second || c.PongWait != 10*time.Second ||
		c.WriteTimeout != 10*time.Second || c.SendQueue != 128 || c.Logger == nil {
		t.Fatalf("defaults: %+v", c)
	}
	c = Config{Path: "sip", ReadLimit: -1, SendQueue: 3}.withDefaults()
	if c.Path != "/sip" || c.ReadLimit != 65536 || c.SendQueue != 3 {
		t.Fatalf("normalised: %+v", c)
	}
}

func TestConnIDUnique(t *testing.T) {
	re := regexp.MustCompile(`^ws-[0-9]+-[0-9a-f]{8}$`)
	seen := make(map[string]bool)
	for range 1000 {
		id := newConnID()
		if !re.MatchString(id) {
			t.Fatalf("bad id %q", id)
		}
		if seen[id] {
			t.Fatalf("duplicate id %q", id)
		}
		seen[id] = true
	}
}
