package location

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func openBolt(t testing.TB, path string) *Bolt {
	t.Helper()
	s, err := OpenBolt(path, BoltOptions{Logger: discardLogger()})
	if err != nil {
		t.Fatalf("OpenBolt: %v", err)
	}
	return s
}

func mustClose(t testing.TB, s Store) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// fileKeys returns the keys stored in the bindings bucket of a closed file.
func fileKeys(t testing.TB, path string) []string {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatalf("bolt.Open: %v", err)
	}
	defer db.Close()
	var keys []string
	err = db.View(func(tx *bolt.Tx) error {
		bkt := tx.Bucket(bucketName)
		if bkt == nil {
			return nil
		}
		return bkt.ForEach(func(k, _ []byte) error {
			keys = append(keys, strings.ReplaceAll(string(k), "\x00", " "))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// rawPut writes value under key in the bindings bucket of a closed file.
func rawPut(t testing.TB, path string, key, value []byte) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("bolt.Open: %v", err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		bkt, err := tx.CreateBucketIfNotExists(bucketName)
		if err != nil {
			return err
		}
		return bkt.Put(key, value)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// liveBinding returns a binding valid for an hour from now, on transport tr.
func liveBinding(aor, contact, tr, connID string) Binding {
	now := time.Now()
	return Binding{
		AOR: aor, Contact: contact, Expires: now.Add(time.Hour), Q: 0.8,
		CallID: "cid-" + contact, CSeq: 7, Transport: tr, Source: "203.0.113.9:40000",
		ConnID: connID, UserAgent: "test-ua/1.0", UpdatedAt: now,
		InstanceID: "<urn:uuid:" + contact + ">", RegID: 1,
	}
}

func TestBoltReopenRestoresPersistentOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "location.db")
	s := openBolt(t, path)
	udp := liveBinding("alice@example.com", "sip:alice@192.0.2.1:5062;transport=udp", "UDP", "")
	tcp := liveBinding("alice@example.com", "sip:alice@192.0.2.1:5063;transport=tcp", "TCP", "192.0.2.1:5063")
	ws := liveBinding("alice@example.com", "sip:k3l9@df7jal23ls0d.invalid;transport=ws", "WSS", "ws-42")
	expired := liveBinding("bob@example.com", "sip:bob@192.0.2.2", "UDP", "")
	expired.Expires = time.Now().Add(-time.Second)
	mustPut(t, s, udp, tcp, ws, expired)
	if got := mustLookup(t, s, "alice@example.com", time.Now()); len(got) != 3 {
		t.Fatalf("before close: %d bindings", len(got))
	}
	mustClose(t, s)
	mustClose(t, s)

	if fi, err := os.Stat(path); err != nil {
		t.Fatal(err)
	} else if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("file mode %v, want 0600", perm)
	}
	for _, k := range fileKeys(t, path) {
		if strings.Contains(k, "transport=ws") {
			t.Errorf("WebSocket binding written to file: %q", k)
		}
	}

	s = openBolt(t, path)
	defer mustClose(t, s)
	got := mustAll(t, s)
	wantContacts(t, "after reopen", got, udp.Contact, tcp.Contact)
	if !sameBinding(got[0], udp) || !sameBinding(got[1], tcp) {
		t.Fatalf("restored bindings differ:\n got %+v\nwant %+v, %+v", got, udp, tcp)
	}
	// The expired record was dropped from the file as well.
	mustClose(t, s)
	want := []string{"alice@example.com " + udp.Contact, "alice@example.com " + tcp.Contact}
	if keys := fileKeys(t, path); !equalStrings(keys, want) {
		t.Fatalf("file keys = %q, want %q", keys, want)
	}
}

func TestBoltRemovalsPersisted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "location.db")
	ctx := context.Background()
	s := openBolt(t, path)
	keep := liveBinding("alice@example.com", "sip:keep@192.0.2.1", "UDP", "")
	removed := liveBinding("alice@example.com", "sip:removed@192.0.2.1", "UDP", "")
	aor1 := liveBinding("bob@example.com", "sip:b1@192.0.2.2", "UDP", "")
	aor2 := liveBinding("bob@example.com", "sip:b2@192.0.2.2", "TLS", "")
	onConn := liveBinding("carol@example.com", "sip:carol@192.0.2.3;transport=tcp", "TCP", "192.0.2.3:5555")
	oldFlow := liveBinding("dave@example.com", "sip:dave@192.0.2.4:1000;transport=tcp", "TCP", "192.0.2.4:1000")
	newFlow := oldFlow
	newFlow.Contact, newFlow.ConnID = "sip:dave@192.0.2.4:2000;transport=tcp", "192.0.2.4:2000"
	soon := liveBinding("erin@example.com", "sip:erin@192.0.2.5", "UDP", "")
	soon.Expires = time.Now().Add(time.Minute)
	mustPut(t, s, keep, removed, aor1, aor2, onConn, oldFlow, newFlow, soon)

	if err := s.Remove(ctx, removed.AOR, removed.Contact); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveAOR(ctx, "bob@example.com"); err != nil {
		t.Fatal(err)
	}
	if rm, err := s.RemoveConn(ctx, onConn.ConnID); err != nil || len(rm) != 1 {
		t.Fatalf("RemoveConn = %+v, %v", rm, err)
	}
	if n, err := s.Expire(ctx, time.Now().Add(2*time.Minute)); err != nil || n != 1 {
		t.Fatalf("Expire = %d, %v", n, err)
	}
	mustClose(t, s)

	s = openBolt(t, path)
	defer mustClose(t, s)
	wantContacts(t, "after reopen", mustAll(t, s), keep.Contact, newFlow.Contact)
}

func TestBoltSecondOpenLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "location.db")
	s := openBolt(t, path)
	defer mustClose(t, s)

	start := time.Now()
	s2, err := OpenBolt(path, BoltOptions{Timeout: 100 * time.Millisecond, Logger: discardLogger()})
	if err == nil {
		_ = s2.Close()
		t.Fatal("second OpenBolt succeeded while the file is open")
	}
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second OpenBolt: %v, want ErrLocked", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("second OpenBolt took %v", d)
	}
}

func TestBoltCorruptRecordsSkipped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "location.db")
	s := openBolt(t, path)
	good := liveBinding("alice@example.com", "sip:alice@192.0.2.1", "UDP", "")
	mustPut(t, s, good)
	mustClose(t, s)

	mismatched := liveBinding("bob@example.com", "sip:bob@192.0.2.2", "UDP", "")
	rawPut(t, path, dbKey("mallory@example.com", "sip:x@192.0.2.66"), []byte{recordVersion, 0xff, 0xff})
	rawPut(t, path, dbKey("trent@example.com", "sip:y@192.0.2.67"), []byte{99, 1, 2, 3})
	rawPut(t, path, dbKey("zed@example.com", "sip:z@192.0.2.68"), nil)
	rawPut(t, path, dbKey("other@example.com", "sip:o@192.0.2.69"), encodeRecord(&mismatched))

	var logs logBuffer
	s, err := OpenBolt(path, BoltOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatalf("OpenBolt with corrupt records: %v", err)
	}
	wantContacts(t, "after reopen", mustAll(t, s), good.Contact)
	mustClose(t, s)
	if n := strings.Count(logs.String(), "corrupt binding record"); n != 4 {
		t.Errorf("logged %d corrupt records, want 4; log:\n%s", n, logs.String())
	}
	if keys := fileKeys(t, path); !equalStrings(keys, []string{"alice@example.com " + good.Contact}) {
		t.Errorf("corrupt records left in file: %q", keys)
	}
}

func TestBoltWebSocketNeverWritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "location.db")
	s := openBolt(t, path)
	ctx := context.Background()
	ws := liveBinding("alice@example.com", "sip:ws@df7jal23ls0d.invalid;transport=ws", "WS", "ws-1")
	mustPut(t, s, ws)
	// A later UDP binding of the same contact replaces it, then goes away.
	udp := ws
	udp.Transport, udp.ConnID = "UDP", ""
	mustPut(t, s, udp)
	if err := s.Remove(ctx, udp.AOR, udp.Contact); err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, ws)
	if rm, err := s.RemoveConn(ctx, "ws-1"); err != nil || len(rm) != 1 {
		t.Fatalf("RemoveConn = %+v, %v", rm, err)
	}
	mustPut(t, s, ws)
	mustClose(t, s)
	if keys := fileKeys(t, path); len(keys) != 0 {
		t.Fatalf("file keys = %q, want none", keys)
	}
}

func TestBoltOpenBadPath(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := OpenBolt(filepath.Join(blocker, "location.db"), BoltOptions{Logger: discardLogger()}); err == nil {
		_ = s.Close()
		t.Fatal("OpenBolt under a regular file succeeded")
	}
}
