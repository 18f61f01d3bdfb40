package cdr

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func openTest(t *testing.T, cfg Config) *Recorder {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	r, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func readLines(t *testing.T, path string) []Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Record
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec Record
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("line %d: %v: %s", len(out)+1, err, sc.Bytes())
		}
		out = append(out, rec)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestJSONLinesRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "cdr.jsonl")
	r := openTest(t, Config{File: path, Sync: true})
	recs := []Record{sampleRecord("call-1", t0), sampleRecord("call-2", t0.Add(time.Minute))}
	recs[1].Caller = "<sip:bob@example.com>" // not HTML-escaped
	recs[1].Answer, recs[1].DurationMs, recs[1].CallerQuality, recs[1].CalleeQuality = nil, 0, nil, nil
	recs[1].SetupMs = recs[1].End.Sub(recs[1].Start).Milliseconds()
	for _, rec := range recs {
		if err := r.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	got := readLines(t, path)
	if !reflect.DeepEqual(got, recs) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, recs)
	}
	raw, _ := os.ReadFile(path)
	if !strings.Contains(string(raw), `"caller":"<sip:bob@example.com>"`) {
		t.Errorf("caller escaped: %s", raw)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, %v", fi.Mode(), err)
	}
	if s := r.Stats(); s.Written != 2 || s.WriteErrors != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestConcurrentWritesKeepLinesWhole(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cdr.jsonl")
	r := openTest(t, Config{File: path, DBPath: filepath.Join(dir, "cdr.db")})
	const workers, each = 8, 25
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				rec := sampleRecord(fmt.Sprintf("w%d-%d", w, i), t0.Add(time.Duration(w*each+i)*time.Millisecond))
				rec.EndReason = strings.Repeat("x", 2000) // long lines
				if err := r.Write(rec); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if n := len(readLines(t, path)); n != workers*each {
		t.Fatalf("%d lines, want %d", n, workers*each)
	}
	recs, err := r.List(time.Time{}, 0)
	if err != nil || len(recs) != workers*each {
		t.Fatalf("List: %d records, %v", len(recs), err)
	}
}

func TestListOrderSinceLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cdr.db")
	r := openTest(t, Config{DBPath: path})
	// Written out of order; two calls end in the same instant.
	ends := []time.Duration{5, 1, 3, 3, 2, 4}
	for i, d := range ends {
		if err := r.Write(sampleRecord(fmt.Sprintf("c%d", i), t0.Add(d*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(recs []Record) string {
		var s []string
		for _, r := range recs {
			s = append(s, r.CallID)
		}
		return strings.Join(s, ",")
	}
	tests := []struct {
		since time.Time
		limit int
		want  string
	}{
		{time.Time{}, 0, "c1,c4,c2,c3,c5,c0"},
		{t0.Add(3 * time.Minute), 0, "c2,c3,c5,c0"},
		{t0.Add(3*time.Minute + 1), 0, "c5,c0"},
		{time.Time{}, 2, "c1,c4"},
		{t0.Add(time.Hour), 0, ""},
	}
	for _, tc := range tests {
		got, err := r.List(tc.since, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		if ids(got) != tc.want {
			t.Errorf("List(%v, %d) = %s, want %s", tc.since, tc.limit, ids(got), tc.want)
		}
	}
	full, _ := r.List(time.Time{}, 1)
	if want := sampleRecord("c1", t0.Add(time.Minute)); !reflect.DeepEqual(full[0], want) {
		t.Errorf("stored record differs:\n got %+v\nwant %+v", full[0], want)
	}

	// Records survive a restart.
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	r2 := openTest(t, Config{DBPath: path})
	got, err := r2.List(time.Time{}, 0)
	if err != nil || ids(got) != "c1,c4,c2,c3,c5,c0" {
		t.Fatalf("after reopen: %s, %v", ids(got), err)
	}

	// Prune removes calls that ended before the cut.
	n, err := r2.Prune(t0.Add(3 * time.Minute))
	if err != nil || n != 2 {
		t.Fatalf("Prune = %d, %v", n, err)
	}
	got, _ = r2.List(time.Time{}, 0)
	if ids(got) != "c2,c3,c5,c0" {
		t.Errorf("after prune: %s", ids(got))
	}
}

func TestTimeKeyOrder(t *testing.T) {
	times := []time.Time{
		time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(0, -1),
		time.Unix(0, 0),
		time.Unix(0, 1),
		t0,
	}
	for i := 1; i < len(times); i++ {
		if string(timeKey(times[i-1])) >= string(timeKey(times[i])) {
			t.Errorf("key of %v not below key of %v", times[i-1], times[i])
		}
	}
}

func TestReopenAfterRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cdr.jsonl")
	r := openTest(t, Config{File: path})
	if err := r.Write(sampleRecord("before", t0)); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if err := r.Reopen(); err != nil {
		t.Fatal(err)
	}
	if err := r.Write(sampleRecord("after", t0)); err != nil {
		t.Fatal(err)
	}
	if old, cur := readLines(t, path+".1"), readLines(t, path); len(old) != 1 || len(cur) != 1 || cur[0].CallID != "after" {
		t.Errorf("rotated %d lines, current %d lines", len(old), len(cur))
	}
}

func TestWriteErrorsAndClose(t *testing.T) {
	r := openTest(t, Config{DBPath: filepath.Join(t.TempDir(), "cdr.db")})
	if err := r.Write(Record{}); !errors.Is(err, ErrInvalidRecord) {
		t.Errorf("empty call ID: %v", err)
	}
	for range 2 {
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Write(sampleRecord("late", t0)); !errors.Is(err, ErrClosed) {
		t.Errorf("Write after Close: %v", err)
	}
	if _, err := r.List(time.Time{}, 0); !errors.Is(err, ErrClosed) {
		t.Errorf("List after Close: %v", err)
	}
	r.Event(Event{Type: EventRinging}) // no webhook: no-op

	// A Recorder without sinks only counts.
	bare := openTest(t, Config{})
	if err := bare.Write(sampleRecord("x", t0)); err != nil {
		t.Fatal(err)
	}
	if _, err := bare.List(time.Time{}, 0); !errors.Is(err, ErrNoDatabase) {
		t.Errorf("List without database: %v", err)
	}
	if bare.Stats().Written != 1 {
		t.Error("write not counted")
	}

	// A nil Recorder is a no-op.
	var nilRec *Recorder
	if nilRec.Write(sampleRecord("x", t0)) != nil || nilRec.Close() != nil || nilRec.Reopen() != nil {
		t.Error("nil Recorder returned an error")
	}
	nilRec.Event(Event{Type: EventRinging})
	if _, err := nilRec.List(time.Time{}, 0); !errors.Is(err, ErrNoDatabase) {
		t.Errorf("nil List: %v", err)
	}
	if nilRec.Stats() != (Stats{}) {
		t.Error("nil Stats not zero")
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []Config{
		{File: filepath.Join(blocker, "cdr.jsonl")},
		{DBPath: filepath.Join(blocker, "cdr.db")},
	} {
		if _, err := Open(cfg); err == nil {
			t.Errorf("Open(%+v) succeeded below a regular file", cfg)
		}
	}
	for _, u := range []string{"ftp://example.com/x", "/relative", "http://", "http://[::1"} {
		_, err := Open(Config{File: filepath.Join(dir, "ok.jsonl"), Webhook: WebhookConfig{URL: u}, Logger: quietLogger()})
		if !errors.Is(err, ErrConfig) {
			t.Errorf("webhook URL %q: %v", u, err)
		}
	}
}

// TestWriteManyStoresAllAndSkipsInvalid: a batch lands in the file and the
// database together; an invalid record in it is refused alone.
func TestWriteManyStoresAllAndSkipsInvalid(t *testing.T) {
	dir := t.TempDir()
	r := openTest(t, Config{File: filepath.Join(dir, "cdr.jsonl"), DBPath: filepath.Join(dir, "cdr.db")})
	batch := []Record{sampleRecord("b1", t0), {}, sampleRecord("b2", t0.Add(time.Second)), sampleRecord("b3", t0.Add(2*time.Second))}
	if err := r.WriteMany(batch); !errors.Is(err, ErrInvalidRecord) {
		t.Fatalf("WriteMany error %v, want ErrInvalidRecord for the empty record", err)
	}
	if got := readLines(t, filepath.Join(dir, "cdr.jsonl")); len(got) != 3 {
		t.Fatalf("file holds %d records, want 3", len(got))
	}
	stored, err := r.List(time.Time{}, 0)
	if err != nil || len(stored) != 3 || stored[0].CallID != "b1" || stored[2].CallID != "b3" {
		t.Fatalf("stored %+v, %v", stored, err)
	}
	if st := r.Stats(); st.Written != 3 {
		t.Fatalf("written %d, want 3", st.Written)
	}
}
