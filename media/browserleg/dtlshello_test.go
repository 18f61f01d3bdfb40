package browserleg

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// dtlsRecord builds a DTLS record (RFC 6347 §4.1) of content type typ in
// epoch around body.
func dtlsRecord(typ uint8, epoch uint16, body []byte) []byte {
	b := make([]byte, dtlsRecordHeaderLen, dtlsRecordHeaderLen+len(body))
	b[0] = typ
	binary.BigEndian.PutUint16(b[1:3], 0xfefd)
	binary.BigEndian.PutUint16(b[3:5], epoch)
	binary.BigEndian.PutUint16(b[11:13], uint16(len(body)))
	return append(b, body...)
}

// handshakeMsg builds a handshake message header (RFC 6347 §4.2.2) for a
// fragment of a message of total length at offset off.
func handshakeMsg(msgType uint8, total, off int, frag []byte) []byte {
	b := make([]byte, dtlsHandshakeHeaderLen, dtlsHandshakeHeaderLen+len(frag))
	b[0] = msgType
	put24 := func(d []byte, v int) { d[0], d[1], d[2] = byte(v>>16), byte(v>>8), byte(v) }
	put24(b[1:4], total)
	put24(b[6:9], off)
	put24(b[9:12], len(frag))
	return append(b, frag...)
}

// clientHelloBody is a ClientHello body with random and a cookie.
func clientHelloBody(random [32]byte) []byte {
	b := []byte{0xfe, 0xfd}
	b = append(b, random[:]...)
	b = append(b, 0)             // session id
	b = append(b, 2, 0xaa, 0xbb) // cookie
	b = append(b, 0, 2, 0xc0, 0x2b)
	b = append(b, 1, 0)                             // compression
	b = append(b, 0, 9, 0, 14, 0, 5, 0, 2, 0, 7, 0) // use_srtp offering AES-128-GCM
	return b
}

// serverHelloBody is a ServerHello body; exts nil leaves the extensions
// out altogether.
func serverHelloBody(random [32]byte, sid int, suite uint16, exts []byte) []byte {
	b := []byte{0xfe, 0xfd}
	b = append(b, random[:]...)
	b = append(b, byte(sid))
	b = append(b, make([]byte, sid)...)
	b = binary.BigEndian.AppendUint16(b, suite)
	b = append(b, 0)
	if exts != nil {
		b = binary.BigEndian.AppendUint16(b, uint16(len(exts)))
		b = append(b, exts...)
	}
	return b
}

// ext builds one extension.
func ext(typ uint16, data []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, typ)
	b = binary.BigEndian.AppendUint16(b, uint16(len(data)))
	return append(b, data...)
}

// useSRTP is a use_srtp extension's data with profiles and an MKI.
func useSRTP(mki []byte, profiles ...uint16) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(2*len(profiles)))
	for _, p := range profiles {
		b = binary.BigEndian.AppendUint16(b, p)
	}
	b = append(b, byte(len(mki)))
	return append(b, mki...)
}

func hsRecord(msgType uint8, body []byte) []byte {
	return dtlsRecord(dtlsContentHandshake, 0, handshakeMsg(msgType, len(body), 0, body))
}

func TestParseDTLSHello(t *testing.T) {
	var r1, r2 [32]byte
	for i := range r1 {
		r1[i], r2[i] = byte(i), byte(0xff-i)
	}
	emsExt := ext(23, nil)
	srtp7 := ext(dtlsExtUseSRTP, useSRTP(nil, 7))
	sh := serverHelloBody(r2, 0, 0xc02b, append(append([]byte{}, emsExt...), srtp7...))
	// pion sends the ServerHello flight as several records in one
	// datagram; Chrome may put several messages in one record.
	certRec := hsRecord(11, make([]byte, 300))
	ccs := dtlsRecord(20, 0, []byte{1})
	encrypted := dtlsRecord(dtlsContentHandshake, 1, make([]byte, 64))

	tests := []struct {
		name    string
		in      []byte
		want    dtlsHello
		ok      bool
		wantErr bool
	}{
		{name: "client hello", in: hsRecord(dtlsClientHello, clientHelloBody(r1)), want: dtlsHello{random: r1}, ok: true},
		{name: "server hello with use_srtp", in: hsRecord(dtlsServerHello, sh),
			want: dtlsHello{server: true, random: r2, suite: 0xc02b, profile: 7}, ok: true},
		{name: "server hello flight", in: append(append(hsRecord(dtlsServerHello, sh), certRec...), hsRecord(14, nil)...),
			want: dtlsHello{server: true, random: r2, suite: 0xc02b, profile: 7}, ok: true},
		{name: "two messages in one record", in: dtlsRecord(dtlsContentHandshake, 0,
			append(handshakeMsg(3, 3, 0, []byte{0xfe, 0xfd, 0}), handshakeMsg(dtlsServerHello, len(sh), 0, sh)...)),
			want: dtlsHello{server: true, random: r2, suite: 0xc02b, profile: 7}, ok: true},
		{name: "server hello with session id", in: hsRecord(dtlsServerHello, serverHelloBody(r2, 32, 0xc02c, srtp7)),
			want: dtlsHello{server: true, random: r2, suite: 0xc02c, profile: 7}, ok: true},
		{name: "server hello without extensions", in: hsRecord(dtlsServerHello, serverHelloBody(r2, 0, 0xc02b, nil)),
			want: dtlsHello{server: true, random: r2, suite: 0xc02b}, ok: true},
		{name: "after a change cipher spec", in: append(append([]byte{}, ccs...), hsRecord(dtlsClientHello, clientHelloBody(r1))...),
			want: dtlsHello{random: r1}, ok: true},
		{name: "encrypted handshake", in: encrypted},
		{name: "certificate only", in: certRec},
		{name: "later fragment", in: dtlsRecord(dtlsContentHandshake, 0, handshakeMsg(dtlsClientHello, 500, 200, make([]byte, 100)))},
		{name: "empty", in: nil},
		{name: "short record header", in: []byte{22, 0xfe, 0xfd, 0, 0}, wantErr: true},
		{name: "record longer than datagram", in: hsRecord(dtlsClientHello, clientHelloBody(r1))[:50], wantErr: true},
		{name: "short handshake header", in: dtlsRecord(dtlsContentHandshake, 0, []byte{1, 0, 0}), wantErr: true},
		{name: "fragment longer than record", in: dtlsRecord(dtlsContentHandshake, 0, handshakeMsg(dtlsClientHello, 90, 0, make([]byte, 90))[:40]), wantErr: true},
		{name: "client hello without random", in: hsRecord(dtlsClientHello, []byte{0xfe, 0xfd, 1, 2}), wantErr: true},
		{name: "server hello cut in its extensions", in: dtlsRecord(dtlsContentHandshake, 0, handshakeMsg(dtlsServerHello, len(sh), 0, sh[:len(sh)-3])), wantErr: true},
		{name: "server hello with a long session id", in: hsRecord(dtlsServerHello, serverHelloBody(r2, 33, 0xc02b, nil)), wantErr: true},
		{name: "use_srtp with two profiles", in: hsRecord(dtlsServerHello, serverHelloBody(r2, 0, 0xc02b, ext(dtlsExtUseSRTP, useSRTP(nil, 7, 1)))), wantErr: true},
		{name: "use_srtp with an MKI", in: hsRecord(dtlsServerHello, serverHelloBody(r2, 0, 0xc02b, ext(dtlsExtUseSRTP, useSRTP([]byte{9}, 7)))), wantErr: true},
		{name: "use_srtp cut short", in: hsRecord(dtlsServerHello, serverHelloBody(r2, 0, 0xc02b, ext(dtlsExtUseSRTP, []byte{0}))), wantErr: true},
		{name: "extension longer than the list", in: hsRecord(dtlsServerHello, serverHelloBody(r2, 0, 0xc02b, ext(1, []byte{1, 2})[:5])), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := parseDTLSHello(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, errDTLSHello) {
				t.Fatalf("err %v does not wrap errDTLSHello", err)
			}
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if ok && got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDemuxRanges(t *testing.T) {
	for b := 0; b < 256; b++ {
		pkt := []byte{byte(b)}
		if got, want := isDTLS(pkt), b >= 20 && b <= 63; got != want {
			t.Errorf("isDTLS(%d) = %v", b, got)
		}
		if got, want := isSRTP(pkt), b >= 128 && b <= 191; got != want {
			t.Errorf("isSRTP(%d) = %v", b, got)
		}
	}
	if isDTLS(nil) || isSRTP(nil) {
		t.Error("empty datagram classified")
	}
}

func TestHandshakesRecords(t *testing.T) {
	var hs handshakes
	var cr, sr [32]byte
	cr[0], sr[0] = 1, 2
	peer := mustAddrPort(t, "192.0.2.1:5000")
	other := mustAddrPort(t, "192.0.2.2:5000")
	ch := hsRecord(dtlsClientHello, clientHelloBody(cr))
	sh := hsRecord(dtlsServerHello, serverHelloBody(sr, 0, 0xc02b, ext(dtlsExtUseSRTP, useSRTP(nil, 1))))
	now := testEpoch
	// The browser is the client: its ClientHello comes in (twice, around a
	// HelloVerifyRequest), our ServerHello goes out. A ServerHello in the
	// wrong direction and one to another peer are ignored.
	hs.sniff(ch, peer, false, now)
	hs.sniff(sh, peer, false, now)
	hs.sniff(ch, peer, false, now)
	hs.sniff(sh, other, true, now)
	if _, ok := hs.take(cr); !ok {
		t.Fatal("record not found")
	}
	hs.sniff(ch, peer, false, now)
	hs.sniff(sh, peer, true, now)
	rec, ok := hs.take(cr)
	if !ok || !rec.haveServer || rec.weClient || rec.serverRandom != sr || rec.suite != 0xc02b || rec.profile != 1 || rec.peer != peer {
		t.Fatalf("record %+v ok %v", rec, ok)
	}
	if _, ok := hs.take(cr); ok {
		t.Fatal("record taken twice")
	}
	if hs.len() != 0 {
		t.Fatalf("%d records left", hs.len())
	}
	// We are the client.
	hs.sniff(ch, peer, true, now)
	hs.sniff(sh, peer, false, now)
	if rec, ok := hs.take(cr); !ok || !rec.weClient || !rec.haveServer {
		t.Fatalf("client-side record %+v ok %v", rec, ok)
	}
	// Records expire and their number is capped.
	for i := range handshakeCap + 10 {
		var r [32]byte
		binary.BigEndian.PutUint32(r[:], uint32(i))
		p := mustAddrPort(t, "198.51.100.1:1000")
		p = netipAddPort(p, i)
		hs.sniff(hsRecord(dtlsClientHello, clientHelloBody(r)), p, false, now)
	}
	if n := hs.len(); n != handshakeCap {
		t.Fatalf("%d records, cap %d", n, handshakeCap)
	}
	hs.sniff(ch, peer, false, now.Add(2*handshakeTTL))
	if n := hs.len(); n != 1 {
		t.Fatalf("%d records after expiry, want 1", n)
	}
}

// FuzzParseDTLSHello: the parser never panics on network input, and what
// it reports is consistent with the bytes.
func FuzzParseDTLSHello(f *testing.F) {
	var r [32]byte
	f.Add(hsRecord(dtlsClientHello, clientHelloBody(r)))
	f.Add(hsRecord(dtlsServerHello, serverHelloBody(r, 0, 0xc02b, ext(dtlsExtUseSRTP, useSRTP(nil, 7)))))
	f.Add(append(hsRecord(dtlsServerHello, serverHelloBody(r, 4, 0xc02c, nil)), hsRecord(11, make([]byte, 40))...))
	f.Add(dtlsRecord(dtlsContentHandshake, 0, handshakeMsg(dtlsServerHello, 100, 0, make([]byte, 10))))
	f.Add([]byte{22, 0xfe, 0xfd})
	f.Fuzz(func(t *testing.T, b []byte) {
		in := bytes.Clone(b)
		h, ok, err := parseDTLSHello(b)
		if !bytes.Equal(in, b) {
			t.Fatal("input modified")
		}
		if ok && err != nil {
			t.Fatal("ok with an error")
		}
		if ok && !bytes.Contains(b, h.random[:]) {
			t.Fatal("random not from the input")
		}
		if !h.server && (h.suite != 0 || h.profile != 0) {
			t.Fatal("ClientHello with a suite or profile")
		}
		var hs handshakes
		hs.sniff(b, mustAddrPort(t, "192.0.2.1:1"), false, testEpoch)
	})
}
