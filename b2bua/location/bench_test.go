package location

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// fillStore stores aors AORs with perAOR bindings each and returns the AORs.
func fillStore(b *testing.B, s Store, aors, perAOR int) []string {
	b.Helper()
	names := make([]string, aors)
	for i := range names {
		names[i] = fmt.Sprintf("%d@example.com", 100000+i)
		for j := range perAOR {
			bd := bnd(names[i], fmt.Sprintf("sip:%d@192.0.2.%d:%d", 100000+i, j, 5060+j))
			bd.Transport = "WS" // keeps the Bolt fill free of fsyncs
			bd.Q = float64(j+1) / float64(perAOR)
			mustPut(b, s, bd)
		}
	}
	return names
}

func BenchmarkLookup(b *testing.B) {
	stores := map[string]func(b *testing.B) Store{
		"Memory": func(*testing.B) Store { return NewMemory() },
		"Bolt": func(b *testing.B) Store {
			s, err := OpenBolt(filepath.Join(b.TempDir(), "location.db"), BoltOptions{Logger: discardLogger()})
			if err != nil {
				b.Fatal(err)
			}
			return s
		},
	}
	for _, name := range []string{"Memory", "Bolt"} {
		b.Run(name, func(b *testing.B) {
			s := stores[name](b)
			defer s.Close()
			aors := fillStore(b, s, 10000, 3)
			ctx := context.Background()
			now := t0.Add(time.Minute)
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				bs, err := s.Lookup(ctx, aors[i%len(aors)], now)
				if err != nil || len(bs) != 3 {
					b.Fatalf("Lookup = %d, %v", len(bs), err)
				}
				i++
			}
		})
	}
}

func BenchmarkLookupParallel(b *testing.B) {
	s := NewMemory()
	defer s.Close()
	aors := fillStore(b, s, 10000, 3)
	ctx := context.Background()
	now := t0.Add(time.Minute)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := s.Lookup(ctx, aors[i%len(aors)], now); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

func BenchmarkMemoryPut(b *testing.B) {
	s := NewMemory()
	defer s.Close()
	aors := fillStore(b, s, 10000, 3)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		aor := aors[i%len(aors)]
		bd := bnd(aor, "sip:"+aor)
		if err := s.Put(ctx, bd); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
