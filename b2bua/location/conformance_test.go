package location

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"
)

// conformanceCases is the behaviour every Store implementation must show.
var conformanceCases = []struct {
	name string
	run  func(t *testing.T, s Store)
}{
	{"LookupOrderByQThenRecency", func(t *testing.T, s Store) {
		low := bnd("alice@example.com", "sip:low@192.0.2.1")
		low.Q = 0.5
		older := bnd("alice@example.com", "sip:older@192.0.2.2")
		newer := bnd("alice@example.com", "sip:newer@192.0.2.3")
		newer.UpdatedAt = t0.Add(time.Second)
		unset := bnd("alice@example.com", "sip:unset@192.0.2.4")
		unset.Q = 0
		unset.UpdatedAt = t0.Add(-time.Second)
		mid := bnd("alice@example.com", "sip:mid@192.0.2.5")
		mid.Q = 0.7
		mustPut(t, s, low, older, unset, mid, newer)

		got := mustLookup(t, s, "alice@example.com", t0)
		wantContacts(t, "lookup", got, "sip:newer@192.0.2.3", "sip:older@192.0.2.2", "sip:unset@192.0.2.4", "sip:mid@192.0.2.5", "sip:low@192.0.2.1")
		if got[2].Q != 1 {
			t.Errorf("unset q stored as %v, want 1.0 (RFC 3261 §10.2.1.2)", got[2].Q)
		}
		if bs := mustLookup(t, s, "bob@example.com", t0); len(bs) != 0 {
			t.Errorf("unknown AOR: %d bindings", len(bs))
		}
	}},
	{"ReplaceByAORAndContact", func(t *testing.T, s Store) {
		a := bnd("alice@example.com", "sip:alice@192.0.2.1")
		a.Q, a.CallID, a.CSeq = 0.5, "first", 1
		other := bnd("bob@example.com", "sip:alice@192.0.2.1")
		mustPut(t, s, a, other)
		a.Q, a.CallID, a.CSeq = 0.9, "second", 2
		a.UpdatedAt = t0.Add(time.Minute)
		a.Expires = t0.Add(2 * time.Hour)
		mustPut(t, s, a)

		got := mustLookup(t, s, "alice@example.com", t0)
		if len(got) != 1 || !sameBinding(got[0], a) {
			t.Fatalf("after refresh: %+v, want only %+v", got, a)
		}
		if got := mustLookup(t, s, "bob@example.com", t0); len(got) != 1 || got[0].CallID != other.CallID {
			t.Fatalf("other AOR touched: %+v", got)
		}
	}},
	{"ReplaceByInstanceAndRegID", func(t *testing.T, s Store) {
		const inst = "<urn:uuid:00000000-0000-1000-8000-000a95a0e128>"
		flow1 := bnd("alice@example.com", "sip:alice@192.0.2.1:5062;transport=tcp")
		flow1.InstanceID, flow1.RegID, flow1.Transport, flow1.ConnID = inst, 1, "TCP", "192.0.2.1:5062"
		flow2 := bnd("alice@example.com", "sip:alice@192.0.2.1:5063;transport=tcp")
		flow2.InstanceID, flow2.RegID, flow2.Transport, flow2.ConnID = inst, 2, "TCP", "192.0.2.1:5063"
		otherAOR := flow1
		otherAOR.AOR = "bob@example.com"
		mustPut(t, s, flow1, flow2, otherAOR)

		// The same instance re-registers reg-id 1 over a new connection.
		again := bnd("alice@example.com", "sip:alice@192.0.2.1:6000;transport=tcp")
		again.InstanceID, again.RegID, again.Transport, again.ConnID = inst, 1, "TCP", "192.0.2.1:6000"
		again.UpdatedAt = t0.Add(time.Second)
		mustPut(t, s, again)

		wantContacts(t, "alice", mustLookup(t, s, "alice@example.com", t0), again.Contact, flow2.Contact)
		wantContacts(t, "bob", mustLookup(t, s, "bob@example.com", t0), flow1.Contact)
		// The replaced flow no longer belongs to its old connection.
		if rm, err := s.RemoveConn(context.Background(), flow1.ConnID); err != nil || len(rm) != 1 || rm[0].AOR != "bob@example.com" {
			t.Fatalf("RemoveConn(old flow) = %+v, %v; want only bob's binding", rm, err)
		}
	}},
	{"ReplaceByInstanceOnly", func(t *testing.T, s Store) {
		const instX, instY = "<urn:uuid:x>", "<urn:uuid:y>"
		x := bnd("alice@example.com", "sip:alice@192.0.2.1")
		x.InstanceID = instX
		xReg := bnd("alice@example.com", "sip:alice@192.0.2.9")
		xReg.InstanceID, xReg.RegID = instX, 3
		y := bnd("alice@example.com", "sip:alice@192.0.2.2")
		y.InstanceID = instY
		plain := bnd("alice@example.com", "sip:alice@192.0.2.3")
		mustPut(t, s, x, xReg, y, plain)

		moved := bnd("alice@example.com", "sip:alice@198.51.100.7")
		moved.InstanceID = instX
		mustPut(t, s, moved)
		wantContacts(t, "after move", mustLookup(t, s, "alice@example.com", t0),
			"sip:alice@192.0.2.2", "sip:alice@192.0.2.3", "sip:alice@198.51.100.7")
	}},
	{"RemoveAOR", func(t *testing.T, s Store) {
		mustPut(t, s,
			bnd("alice@example.com", "sip:a1@192.0.2.1"),
			bnd("alice@example.com", "sip:a2@192.0.2.2"),
			bnd("bob@example.com", "sip:b1@192.0.2.3"))
		if err := s.RemoveAOR(context.Background(), "alice@example.com"); err != nil {
			t.Fatal(err)
		}
		if err := s.RemoveAOR(context.Background(), "nobody@example.com"); err != nil {
			t.Fatal(err)
		}
		if got := mustLookup(t, s, "alice@example.com", t0); len(got) != 0 {
			t.Fatalf("alice still has %d bindings", len(got))
		}
		wantContacts(t, "all", mustAll(t, s), "sip:b1@192.0.2.3")
	}},
	{"Remove", func(t *testing.T, s Store) {
		mustPut(t, s, bnd("alice@example.com", "sip:a1@192.0.2.1"), bnd("alice@example.com", "sip:a2@192.0.2.2"))
		ctx := context.Background()
		if err := s.Remove(ctx, "alice@example.com", "sip:a1@192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		if err := s.Remove(ctx, "alice@example.com", "sip:absent@192.0.2.1"); err != nil {
			t.Fatalf("removing an absent binding: %v", err)
		}
		if err := s.Remove(ctx, "nobody@example.com", "sip:a2@192.0.2.2"); err != nil {
			t.Fatalf("removing from an absent AOR: %v", err)
		}
		wantContacts(t, "lookup", mustLookup(t, s, "alice@example.com", t0), "sip:a2@192.0.2.2")
	}},
	{"RemoveConnReturnsRemoved", func(t *testing.T, s Store) {
		ws1a := bnd("bob@example.com", "sip:x1@df7jal23ls0d.invalid;transport=ws")
		ws1a.Transport, ws1a.ConnID = "WSS", "ws-1"
		ws1b := bnd("alice@example.com", "sip:x2@df7jal23ls0d.invalid;transport=ws")
		ws1b.Transport, ws1b.ConnID = "WSS", "ws-1"
		ws2 := bnd("alice@example.com", "sip:x3@df7jal23ls0d.invalid;transport=ws")
		ws2.Transport, ws2.ConnID = "WS", "ws-2"
		udp := bnd("alice@example.com", "sip:alice@192.0.2.1")
		mustPut(t, s, ws1a, ws1b, ws2, udp)
		ctx := context.Background()

		rm, err := s.RemoveConn(ctx, "ws-1")
		if err != nil {
			t.Fatal(err)
		}
		if len(rm) != 2 || !sameBinding(rm[0], ws1b) || !sameBinding(rm[1], ws1a) {
			t.Fatalf("RemoveConn(ws-1) = %+v, want alice's then bob's ws-1 binding", rm)
		}
		if rm, err := s.RemoveConn(ctx, "ws-1"); err != nil || len(rm) != 0 {
			t.Fatalf("second RemoveConn(ws-1) = %+v, %v", rm, err)
		}
		if rm, err := s.RemoveConn(ctx, ""); err != nil || len(rm) != 0 {
			t.Fatalf("RemoveConn(\"\") = %+v, %v; want nothing", rm, err)
		}
		wantContacts(t, "alice", mustLookup(t, s, "alice@example.com", t0), udp.Contact, ws2.Contact)
		if got := mustLookup(t, s, "bob@example.com", t0); len(got) != 0 {
			t.Fatalf("bob still bound: %+v", got)
		}
	}},
	{"ConnIndexFollowsRefresh", func(t *testing.T, s Store) {
		b := bnd("alice@example.com", "sip:alice@192.0.2.1;transport=tcp")
		b.Transport, b.ConnID = "TCP", "conn-old"
		mustPut(t, s, b)
		b.ConnID = "conn-new"
		mustPut(t, s, b)
		ctx := context.Background()
		if rm, err := s.RemoveConn(ctx, "conn-old"); err != nil || len(rm) != 0 {
			t.Fatalf("RemoveConn(old) = %+v, %v; want nothing", rm, err)
		}
		if rm, err := s.RemoveConn(ctx, "conn-new"); err != nil || len(rm) != 1 {
			t.Fatalf("RemoveConn(new) = %+v, %v; want the binding", rm, err)
		}
	}},
	{"Expire", func(t *testing.T, s Store) {
		past := bnd("alice@example.com", "sip:past@192.0.2.1")
		past.Expires = t0.Add(-time.Second)
		edge := bnd("alice@example.com", "sip:edge@192.0.2.2")
		edge.Expires = t0
		live := bnd("alice@example.com", "sip:live@192.0.2.3")
		live.Expires = t0.Add(time.Second)
		ws := bnd("bob@example.com", "sip:ws@df7jal23ls0d.invalid;transport=ws")
		ws.Transport, ws.ConnID, ws.Expires = "WS", "ws-9", t0
		mustPut(t, s, past, edge, live, ws)

		n, err := s.Expire(context.Background(), t0)
		if err != nil || n != 3 {
			t.Fatalf("Expire = %d, %v; want 3", n, err)
		}
		wantContacts(t, "all", mustAll(t, s), live.Contact)
		if rm, err := s.RemoveConn(context.Background(), "ws-9"); err != nil || len(rm) != 0 {
			t.Fatalf("expired ws binding still indexed: %+v, %v", rm, err)
		}
		if n, err := s.Expire(context.Background(), t0); err != nil || n != 0 {
			t.Fatalf("second Expire = %d, %v; want 0", n, err)
		}
	}},
	{"LookupFiltersExpired", func(t *testing.T, s Store) {
		old := bnd("alice@example.com", "sip:old@192.0.2.1")
		old.Expires = t0.Add(time.Minute)
		young := bnd("alice@example.com", "sip:young@192.0.2.2")
		young.Expires = t0.Add(time.Hour)
		mustPut(t, s, old, young)
		wantContacts(t, "before", mustLookup(t, s, "alice@example.com", t0), old.Contact, young.Contact)
		wantContacts(t, "at expiry", mustLookup(t, s, "alice@example.com", t0.Add(time.Minute)), young.Contact)
		if got := mustLookup(t, s, "alice@example.com", t0.Add(time.Hour)); len(got) != 0 {
			t.Fatalf("all expired: got %+v", got)
		}
		// Lookup does not delete: All still lists both until Expire.
		wantContacts(t, "all", mustAll(t, s), old.Contact, young.Contact)
	}},
	{"AllSortedByAORThenContact", func(t *testing.T, s Store) {
		mustPut(t, s,
			bnd("carol@example.com", "sip:c@192.0.2.1"),
			bnd("alice@example.com", "sip:b@192.0.2.1"),
			bnd("alice@example.com", "sip:a@192.0.2.1"),
			bnd("bob@example.com", "sip:z@192.0.2.1"))
		got := mustAll(t, s)
		var keys []string
		for _, b := range got {
			keys = append(keys, b.AOR+" "+b.Contact)
		}
		want := []string{
			"alice@example.com sip:a@192.0.2.1", "alice@example.com sip:b@192.0.2.1",
			"bob@example.com sip:z@192.0.2.1", "carol@example.com sip:c@192.0.2.1",
		}
		if !equalStrings(keys, want) {
			t.Fatalf("All = %q, want %q", keys, want)
		}
	}},
	{"DefaultsApplied", func(t *testing.T, s Store) {
		b := bnd("alice@example.com", "sip:alice@192.0.2.1")
		b.Q, b.UpdatedAt, b.Transport = 0, time.Time{}, "tcp"
		before := time.Now()
		mustPut(t, s, b)
		got := mustLookup(t, s, "alice@example.com", t0)
		if len(got) != 1 {
			t.Fatalf("got %d bindings", len(got))
		}
		if got[0].Q != 1 || got[0].Transport != "TCP" || got[0].UpdatedAt.Before(before.Round(0)) {
			t.Fatalf("defaults not applied: %+v", got[0])
		}
	}},
	{"InvalidBindings", func(t *testing.T, s Store) {
		valid := bnd("alice@example.com", "sip:alice@192.0.2.1")
		for name, mod := range map[string]func(*Binding){
			"empty AOR":     func(b *Binding) { b.AOR = "" },
			"empty Contact": func(b *Binding) { b.Contact = "" },
			"NUL in AOR":    func(b *Binding) { b.AOR = "a\x00b" },
			"zero Expires":  func(b *Binding) { b.Expires = time.Time{} },
			"q above 1":     func(b *Binding) { b.Q = 1.5 },
			"negative q":    func(b *Binding) { b.Q = -0.1 },
			"NaN q":         func(b *Binding) { b.Q = math.NaN() },
		} {
			b := valid
			mod(&b)
			if err := s.Put(context.Background(), b); !errors.Is(err, ErrInvalidBinding) {
				t.Errorf("%s: Put error = %v, want ErrInvalidBinding", name, err)
			}
		}
		if got := mustAll(t, s); len(got) != 0 {
			t.Fatalf("invalid bindings stored: %+v", got)
		}
	}},
	{"CanceledContext", func(t *testing.T, s Store) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := s.Put(ctx, bnd("alice@example.com", "sip:alice@192.0.2.1")); !errors.Is(err, context.Canceled) {
			t.Fatalf("Put: %v", err)
		}
		if _, err := s.Lookup(ctx, "alice@example.com", t0); !errors.Is(err, context.Canceled) {
			t.Fatalf("Lookup: %v", err)
		}
	}},
	{"UseAfterClose", func(t *testing.T, s Store) {
		mustPut(t, s, bnd("alice@example.com", "sip:alice@192.0.2.1"))
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		ctx := context.Background()
		checks := map[string]error{}
		checks["Put"] = s.Put(ctx, bnd("alice@example.com", "sip:x@192.0.2.1"))
		_, checks["Lookup"] = s.Lookup(ctx, "alice@example.com", t0)
		checks["Remove"] = s.Remove(ctx, "alice@example.com", "sip:alice@192.0.2.1")
		checks["RemoveAOR"] = s.RemoveAOR(ctx, "alice@example.com")
		_, checks["RemoveConn"] = s.RemoveConn(ctx, "c")
		_, checks["Expire"] = s.Expire(ctx, t0)
		_, checks["All"] = s.All(ctx)
		for name, err := range checks {
			if !errors.Is(err, ErrClosed) {
				t.Errorf("%s after Close: %v, want ErrClosed", name, err)
			}
		}
	}},
}

func TestConformance(t *testing.T) {
	for _, kind := range storeKinds() {
		t.Run(kind.name, func(t *testing.T) {
			for _, tc := range conformanceCases {
				t.Run(tc.name, func(t *testing.T) {
					tc.run(t, kind.open(t))
				})
			}
		})
	}
}

func TestPersistent(t *testing.T) {
	for tr, want := range map[string]bool{"UDP": true, "TCP": true, "TLS": true, "": true, "WS": false, "WSS": false, "wss": false} {
		if got := (Binding{Transport: tr}).Persistent(); got != want {
			t.Errorf("Persistent(%q) = %v, want %v", tr, got, want)
		}
	}
}

func TestCanonicalAOR(t *testing.T) {
	for _, tc := range []struct{ user, host, want string }{
		{"Alice", "Example.COM", "Alice@example.com"},
		{"1000", "pbx.example.com", "1000@pbx.example.com"},
		{"", "Example.com", "example.com"},
	} {
		if got := CanonicalAOR(tc.user, tc.host); got != tc.want {
			t.Errorf("CanonicalAOR(%q, %q) = %q, want %q", tc.user, tc.host, got, tc.want)
		}
	}
}
