package location

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestConcurrentAccess(t *testing.T) {
	for _, kind := range storeKinds() {
		t.Run(kind.name, func(t *testing.T) {
			s := kind.open(t)
			workers, ops := 16, 300
			if kind.name == "Bolt" {
				ops = 60 // every write is an fsync
			}
			hammer(t, s, workers, ops)
			checkConnIndex(t, s)
		})
	}
}

// hammer runs workers goroutines doing ops mixed operations each on a small
// set of AORs and connections, so that operations collide.
func hammer(t *testing.T, s Store, workers, ops int) {
	t.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ops {
				aor := fmt.Sprintf("user%d@example.com", (w+i)%7)
				conn := fmt.Sprintf("conn-%d", (w*ops+i)%5)
				b := bnd(aor, fmt.Sprintf("sip:c%d@192.0.2.%d", i%4, w))
				b.ConnID = conn
				b.UpdatedAt = t0.Add(time.Duration(i) * time.Millisecond)
				switch i % 4 {
				case 0:
					b.Transport = "WS"
				case 1:
					b.InstanceID, b.RegID = fmt.Sprintf("<urn:uuid:%d>", w%3), i%2
				}
				var err error
				switch i % 10 {
				case 0, 1, 2, 3:
					err = s.Put(ctx, b)
				case 4, 5:
					_, err = s.Lookup(ctx, aor, t0)
				case 6:
					err = s.Remove(ctx, aor, b.Contact)
				case 7:
					_, err = s.RemoveConn(ctx, conn)
				case 8:
					_, err = s.All(ctx)
				case 9:
					if i%30 == 9 {
						err = s.RemoveAOR(ctx, aor)
					} else {
						_, err = s.Expire(ctx, t0.Add(-time.Hour))
					}
				}
				if err != nil {
					errs <- fmt.Errorf("worker %d op %d: %w", w, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// checkConnIndex verifies that the connection index agrees with the
// bindings: removing each connection returns exactly its bindings.
func checkConnIndex(t *testing.T, s Store) {
	t.Helper()
	ctx := context.Background()
	want := map[string]int{}
	for _, b := range mustAll(t, s) {
		if b.ConnID != "" {
			want[b.ConnID]++
		}
	}
	for conn, n := range want {
		rm, err := s.RemoveConn(ctx, conn)
		if err != nil || len(rm) != n {
			t.Errorf("RemoveConn(%s) removed %d (%v), want %d", conn, len(rm), err, n)
		}
	}
	if left := mustAll(t, s); len(left) != 0 {
		t.Errorf("%d bindings left after removing every connection", len(left))
	}
}

func TestConcurrentBoltMatchesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "location.db")
	s := openBolt(t, path)
	hammer(t, s, 8, 60)
	var want []Binding
	for _, b := range mustAll(t, s) {
		if b.Persistent() {
			want = append(want, b)
		}
	}
	mustClose(t, s)

	// Expiry at reload is judged against the wall clock; t0 is in the
	// future, so every persistent binding must come back unchanged.
	s = openBolt(t, path)
	defer mustClose(t, s)
	got := mustAll(t, s)
	if len(got) != len(want) {
		t.Fatalf("reloaded %d bindings, want %d", len(got), len(want))
	}
	for i := range got {
		if !sameBinding(got[i], want[i]) {
			t.Fatalf("binding %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}
