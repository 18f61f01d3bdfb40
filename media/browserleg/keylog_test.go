package browserleg

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// testEpoch is a fixed time for tests that pass "now".
var testEpoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func mustAddrPort(t testing.TB, s string) netip.AddrPort {
	t.Helper()
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		t.Fatal(err)
	}
	return ap
}

// netipAddPort returns p with its port advanced by i and the last octet of
// its address by i/65536, so many distinct peers can be made.
func netipAddPort(p netip.AddrPort, i int) netip.AddrPort {
	a := p.Addr().As4()
	a[3] += byte(i / 60000)
	return netip.AddrPortFrom(netip.AddrFrom4(a), uint16(1+(int(p.Port())+i)%60000))
}

// keyLogLine formats a key log line as pion's DTLS does.
func keyLogLine(random [32]byte, master [48]byte) string {
	return fmt.Sprintf("%s %x %x\n", keyLogLabel, random, master)
}

func TestParseKeyLogLine(t *testing.T) {
	var r [32]byte
	var m [48]byte
	for i := range r {
		r[i] = byte(i)
	}
	for i := range m {
		m[i] = byte(100 + i)
	}
	good := strings.TrimSuffix(keyLogLine(r, m), "\n")
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"pion's line", good, true},
		{"upper-case hex", keyLogLabel + " " + strings.ToUpper(good[len(keyLogLabel)+1:]), true},
		{"carriage return", good + "\r", true},
		{"TLS 1.3 label", "CLIENT_HANDSHAKE_TRAFFIC_SECRET" + good[len(keyLogLabel):], false},
		{"no secret", good[:len(keyLogLabel)+1+64], false},
		{"short random", keyLogLabel + " " + hex.EncodeToString(r[:31]) + " " + hex.EncodeToString(m[:]), false},
		{"short secret", keyLogLabel + " " + hex.EncodeToString(r[:]) + " " + hex.EncodeToString(m[:47]), false},
		{"not hex", keyLogLabel + " " + strings.Repeat("zz", 32) + " " + hex.EncodeToString(m[:]), false},
		{"secret not hex", keyLogLabel + " " + hex.EncodeToString(r[:]) + " " + strings.Repeat("g", 96), false},
		{"extra field", good + " x", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := parseKeyLogLine([]byte(tt.in))
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok %v", err, tt.ok)
			}
			if err != nil {
				if !errors.Is(err, errKeyLog) {
					t.Fatalf("err %v does not wrap errKeyLog", err)
				}
				if strings.Contains(err.Error(), hex.EncodeToString(m[:4])) {
					t.Fatal("error shows the secret")
				}
				return
			}
			if e.clientRandom != r || e.master != m {
				t.Fatalf("got %x %x", e.clientRandom, e.master)
			}
		})
	}
}

func TestKeyLogWriter(t *testing.T) {
	var r1, r2 [32]byte
	var m1, m2 [48]byte
	r1[0], r2[0], m1[0], m2[0] = 1, 2, 3, 4
	var k keyLog
	if _, ok := k.take(); ok {
		t.Fatal("entry before any write")
	}
	// Lines in pieces, a foreign line, then a second secret: the last
	// one counts.
	line1 := keyLogLine(r1, m1)
	for _, piece := range []string{line1[:10], line1[10:70], line1[70:], "SERVER_RANDOM x y\n", keyLogLine(r2, m2)} {
		if n, err := k.Write([]byte(piece)); err != nil || n != len(piece) {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	e, ok := k.take()
	if !ok || e.clientRandom != r2 || e.master != m2 {
		t.Fatalf("take = %x %x %v", e.clientRandom, e.master, ok)
	}
	if _, ok := k.take(); ok {
		t.Fatal("entry taken twice")
	}
	// An endless line is dropped, the next one is read.
	k.Write(bytes.Repeat([]byte{'a'}, keyLogMax+1))
	k.Write([]byte("b\n" + line1))
	if e, ok := k.take(); !ok || e.clientRandom != r1 {
		t.Fatalf("after a long line: %v", ok)
	}
	e.wipe()
	if e.master != ([48]byte{}) {
		t.Fatal("wipe left the secret")
	}
}

// FuzzKeyLog: the key log never panics and only ever yields what a
// well-formed line said.
func FuzzKeyLog(f *testing.F) {
	var r [32]byte
	var m [48]byte
	f.Add([]byte(keyLogLine(r, m)))
	f.Add([]byte("CLIENT_RANDOM 00 11\n"))
	f.Add([]byte("\n\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var k keyLog
		if n, err := k.Write(b); n != len(b) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
		if e, ok := k.take(); ok {
			line := fmt.Sprintf("%x %x", e.clientRandom, e.master)
			if !bytes.Contains(bytes.ToLower(b), []byte(line)) {
				t.Fatal("entry not from the input")
			}
		}
		_, _ = parseKeyLogLine(b)
	})
}
