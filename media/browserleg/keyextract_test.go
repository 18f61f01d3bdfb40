package browserleg

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"testing"
	"time"

	"github.com/pion/dtls/v3"
	"github.com/pion/dtls/v3/pkg/crypto/prf"
	"github.com/pion/dtls/v3/pkg/crypto/selfsign"
	"github.com/pion/srtp/v3"
)

func TestPRF12MatchesPion(t *testing.T) {
	secret := []byte("a master secret of forty-eight octets, or so....")
	seed := bytes.Repeat([]byte{7}, 64)
	for _, h := range []prf.HashFunc{sha256.New, sha512.New384} {
		for _, n := range []int{1, 32, 48, 60, 120, 200} {
			want, err := prf.PHash(secret, append([]byte(srtpExporterLabel), seed...), n, h)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]byte, n)
			prf12(h, secret, srtpExporterLabel, seed, got)
			if !bytes.Equal(got, want) {
				t.Fatalf("hash %T, %d bytes: got %x want %x", h(), n, got, want)
			}
		}
	}
}

func TestPRFHashAndProfiles(t *testing.T) {
	for _, s := range []dtls.CipherSuiteID{
		dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, dtls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		dtls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, dtls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
		dtls.TLS_ECDHE_ECDSA_WITH_AES_128_CCM, dtls.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
		dtls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, dtls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	} {
		if h, ok := prfHash(uint16(s)); !ok || h().Size() != sha256.Size {
			t.Errorf("suite %v: want SHA-256", s)
		}
	}
	for _, s := range []dtls.CipherSuiteID{dtls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, dtls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384} {
		if h, ok := prfHash(uint16(s)); !ok || h().Size() != sha512.Size384 {
			t.Errorf("suite %v: want SHA-384", s)
		}
	}
	if _, ok := prfHash(0x1301); ok {
		t.Error("a TLS 1.3 suite accepted")
	}
	for _, p := range []dtls.SRTPProtectionProfile{dtls.SRTP_AES128_CM_HMAC_SHA1_80, dtls.SRTP_AES128_CM_HMAC_SHA1_32,
		dtls.SRTP_AEAD_AES_128_GCM, dtls.SRTP_AEAD_AES_256_GCM} {
		if got, ok := srtpProfile(uint16(p)); !ok || uint16(got) != uint16(p) {
			t.Errorf("profile %#x: got %v %v", p, got, ok)
		}
	}
	for _, p := range []uint16{0, uint16(dtls.SRTP_NULL_HMAC_SHA1_80), 0x1234} {
		if _, ok := srtpProfile(p); ok {
			t.Errorf("profile %#x accepted", p)
		}
	}
}

// dtlsSide is one end of a loopback DTLS association for the exporter
// test: the connection, its key log and the socket wrapper that saw the
// hellos.
type dtlsSide struct {
	conn     *dtls.Conn
	keys     *keyLog
	media    *mediaConn
	isClient bool
}

// dtlsPair runs a pion/dtls handshake between two loopback sockets, each
// wrapped in a mediaConn, with one cipher suite and SRTP profile.
func dtlsPair(t *testing.T, suite dtls.CipherSuiteID, profile dtls.SRTPProtectionProfile) (client, server dtlsSide) {
	t.Helper()
	cert, err := selfsign.GenerateSelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	cs, ss := loopbackConn(t), loopbackConn(t)
	client = dtlsSide{keys: &keyLog{}, media: newMediaConn(cs), isClient: true}
	server = dtlsSide{keys: &keyLog{}, media: newMediaConn(ss)}
	opts := func(k *keyLog) []dtls.Option {
		return []dtls.Option{
			dtls.WithCertificates(cert), dtls.WithCipherSuites(suite),
			dtls.WithSRTPProtectionProfiles(profile), dtls.WithInsecureSkipVerify(true),
			dtls.WithExtendedMasterSecret(dtls.RequireExtendedMasterSecret), dtls.WithKeyLogWriter(k),
		}
	}
	serverOpts := []dtls.ServerOption{dtls.WithClientAuth(dtls.RequireAnyClientCert)}
	for _, o := range opts(server.keys) {
		serverOpts = append(serverOpts, o)
	}
	var clientOpts []dtls.ClientOption
	for _, o := range opts(client.keys) {
		clientOpts = append(clientOpts, o)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	type result struct {
		c   *dtls.Conn
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := dtls.ServerWithOptions(server.media, cs.LocalAddr(), serverOpts...)
		if err == nil {
			err = c.HandshakeContext(ctx)
		}
		done <- result{c, err}
	}()
	client.conn, err = dtls.ClientWithOptions(client.media, ss.LocalAddr(), clientOpts...)
	if err == nil {
		err = client.conn.HandshakeContext(ctx)
	}
	r := <-done
	if err != nil || r.err != nil {
		t.Fatalf("handshake: client %v, server %v", err, r.err)
	}
	server.conn = r.c
	t.Cleanup(func() {
		client.conn.Close()
		server.conn.Close()
		client.media.Close()
		server.media.Close()
	})
	return client, server
}

// TestExporterMatchesPion: for a real pion/dtls association, the keying
// material rebuilt from the key log and the sniffed hellos equals what
// pion's own exporter gives, on both sides, and so do the SRTP keys.
func TestExporterMatchesPion(t *testing.T) {
	cases := []struct {
		suite   dtls.CipherSuiteID
		profile dtls.SRTPProtectionProfile
	}{
		{dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, dtls.SRTP_AEAD_AES_128_GCM},
		{dtls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, dtls.SRTP_AEAD_AES_256_GCM},
		{dtls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, dtls.SRTP_AES128_CM_HMAC_SHA1_80},
		{dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, dtls.SRTP_AES128_CM_HMAC_SHA1_32},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%v/%v", tc.suite, tc.profile), func(t *testing.T) {
			client, server := dtlsPair(t, tc.suite, tc.profile)
			var derived [2]srtp.SessionKeys
			for i, side := range []dtlsSide{client, server} {
				entry, ok := side.keys.take()
				if !ok {
					t.Fatal("no key log line")
				}
				rec, ok := side.media.hs.take(entry.clientRandom)
				if !ok || !rec.haveServer {
					t.Fatalf("hellos not seen: %+v", rec)
				}
				if rec.weClient != side.isClient || rec.suite != uint16(tc.suite) || rec.profile != uint16(tc.profile) {
					t.Fatalf("record %+v", rec)
				}
				hash, ok := prfHash(rec.suite)
				if !ok {
					t.Fatal("suite unknown")
				}
				x := &dtlsExporter{hash: hash, master: entry.master[:], clientRandom: rec.clientRandom, serverRandom: rec.serverRandom}
				ours, err := x.ExportKeyingMaterial(srtpExporterLabel, nil, 88)
				if err != nil {
					t.Fatal(err)
				}
				state, ok := side.conn.ConnectionState()
				if !ok {
					t.Fatal("no connection state")
				}
				theirs, err := state.ExportKeyingMaterial(srtpExporterLabel, nil, 88)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(ours, theirs) {
					t.Fatalf("exporter differs from pion's")
				}
				profile, _ := srtpProfile(rec.profile)
				keys, err := srtpKeys(x, profile, rec.weClient)
				if err != nil {
					t.Fatal(err)
				}
				want := srtp.Config{Profile: profile}
				if err := want.ExtractSessionKeysFromDTLS(&state, side.isClient); err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(keys) != fmt.Sprint(want.Keys) {
					t.Fatal("SRTP keys differ from pion's")
				}
				derived[i] = keys
			}
			// What one side sends with, the other receives with.
			if !bytes.Equal(derived[0].LocalMasterKey, derived[1].RemoteMasterKey) ||
				!bytes.Equal(derived[0].RemoteMasterSalt, derived[1].LocalMasterSalt) {
				t.Fatal("client and server keys do not pair")
			}
			if _, err := (&dtlsExporter{hash: sha256.New}).ExportKeyingMaterial(srtpExporterLabel, []byte{}, 8); err == nil {
				t.Fatal("a context value accepted")
			}
		})
	}
}
