package sipauth

import (
	"errors"
	"testing"
	"time"
)

func id(b byte) nonceID { return nonceID{b} }

func TestReplayTableAdvance(t *testing.T) {
	tb := newReplayTable(int64(time.Minute), 100, quiet)
	now := int64(time.Hour)
	for i, s := range []struct {
		nc   uint32
		want replayResult
	}{
		{0, replayReused},
		{1, replayOK},
		{1, replayReused},
		{3, replayOK},
		{2, replayReused},
		{0xffffffff, replayOK},
		{0xffffffff, replayReused},
	} {
		if got := tb.advance(id(1), now, s.nc, now); got != s.want {
			t.Fatalf("step %d nc %d: %v, want %v", i, s.nc, got, s.want)
		}
	}
}

func TestReplayTableSweep(t *testing.T) {
	ttl := int64(time.Minute)
	tb := newReplayTable(ttl, 100, quiet)
	now := int64(time.Hour)
	for i := range 10 {
		if tb.advance(id(byte(i)), now+int64(i), 1, now+int64(i)) != replayOK {
			t.Fatal("insert failed")
		}
	}
	if tb.len() != 10 {
		t.Fatalf("len %d", tb.len())
	}
	// Long after expiry the next insert sweeps everything old.
	later := now + 2*ttl
	if tb.advance(id(100), later, 1, later) != replayOK {
		t.Fatal("insert failed")
	}
	if tb.len() != 1 {
		t.Fatalf("after sweep len %d, want 1", tb.len())
	}
	// A swept nonce must not come back to life (it is older than the floor).
	if got := tb.advance(id(3), now+3, 1, later); got != replayForgot {
		t.Fatalf("swept nonce: %v, want replayForgot", got)
	}
}

func TestReplayTableEvict(t *testing.T) {
	tb := newReplayTable(int64(time.Hour), 4, quiet)
	now := int64(time.Hour)
	for i := range 4 {
		if tb.advance(id(byte(i)), now+int64(i), 1, now) != replayOK {
			t.Fatal("insert failed")
		}
	}
	// Full: the 5th insert evicts the older half (issued now+0, now+1).
	if got := tb.advance(id(4), now+4, 1, now); got != replayOK {
		t.Fatalf("insert into full table: %v", got)
	}
	if tb.len() != 3 {
		t.Fatalf("len %d, want 3", tb.len())
	}
	for i, want := range []replayResult{replayForgot, replayForgot, replayReused, replayReused, replayReused} {
		if got := tb.advance(id(byte(i)), now+int64(i), 1, now); got != want {
			t.Errorf("nonce %d: %v, want %v", i, got, want)
		}
	}
	// Never grows past capacity.
	for i := 10; i < 200; i++ {
		tb.advance(id(byte(i)), now+int64(i), 1, now)
		if tb.len() > 4 {
			t.Fatalf("len %d exceeds capacity", tb.len())
		}
	}
}

// End to end: an evicted nonce is answered with ErrStaleNonce, never accepted.
func TestReplayCapacityStale(t *testing.T) {
	clk := newFakeClock()
	lookup := users(map[string]Secret{"alice": {Password: "pw"}})
	a := New(Config{Now: clk.Now, ReplayCapacity: 2, Logger: quiet})
	var creds []cred
	for range 3 {
		creds = append(creds, newCred(t, a, MD5, "alice", "pw", "REGISTER"))
		clk.Advance(time.Millisecond)
	}
	for i, c := range creds {
		if _, err := a.Verify("REGISTER", c.header(), lookup); err != nil {
			t.Fatalf("cred %d: %v", i, err)
		}
	}
	first := creds[0]
	first.NC = "00000002"
	first = first.sign(MD5, "pw", "REGISTER")
	if _, err := a.Verify("REGISTER", first.header(), lookup); !errors.Is(err, ErrStaleNonce) {
		t.Fatalf("evicted nonce: err = %v, want ErrStaleNonce", err)
	}
	// Replaying the very first request must not succeed either.
	if _, err := a.Verify("REGISTER", creds[0].header(), lookup); err == nil {
		t.Fatal("replay of evicted nonce accepted")
	}
	last := creds[2]
	if _, err := a.Verify("REGISTER", last.header(), lookup); !errors.Is(err, ErrReplay) {
		t.Fatalf("tracked nonce replay: err = %v", err)
	}
}
