package browserleg

import (
	"encoding/binary"
	"testing"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

// BenchmarkFastReceive: one browser packet of 160 bytes of G.711 through
// the fast path's inline receive: SRTP decryption and authentication in
// place, replay check, reception statistics, then the bridge's sink (PT
// mapping, stamping) and the UDP send to the phone. Packets are encrypted
// outside the timed part, in chunks.
func BenchmarkFastReceive(b *testing.B) {
	for _, profile := range []srtp.ProtectionProfile{srtp.ProtectionProfileAeadAes128Gcm, srtp.ProtectionProfileAes128CmHmacSha1_80} {
		b.Run(profile.String(), func(b *testing.B) {
			e := newTestEngine(b, Config{})
			leg := unconnectedLegB(b, e)
			ph := newPhone(b, "127.0.0.1")
			br := Bridge(leg, newPair(b), BridgeConfig{PhoneRemote: ph.addr(), InactivityTimeout: -1, RTCPInterval: -1, Logger: quietLog})
			defer br.Close()
			keyLen, _ := profile.KeyLen()
			saltLen, _ := profile.SaltLen()
			key, salt := make([]byte, keyLen), make([]byte, saltLen)
			key[0], salt[0] = 1, 2
			rx, err := srtp.CreateContext(key, salt, profile, srtp.SRTPReplayProtection(srtpReplayWindow))
			if err != nil {
				b.Fatal(err)
			}
			enc, err := srtp.CreateContext(key, salt, profile)
			if err != nil {
				b.Fatal(err)
			}
			f := &fastLeg{l: leg, conn: e.media, rx: rx}
			plain := rtpPacket(0, 0, 0, 0x1234, tone(browserFreq, 0, 160))
			const chunk = 1024
			pkts := make([][]byte, chunk)
			for i := range pkts {
				pkts[i] = make([]byte, 0, rtpMTU)
			}
			var hdr rtp.Header
			b.ReportAllocs()
			b.SetBytes(int64(len(plain)))
			b.ResetTimer()
			for i := 0; i < b.N; {
				b.StopTimer()
				n := min(chunk, b.N-i)
				for j := range n {
					binary.BigEndian.PutUint16(plain[2:], uint16(i+j))
					binary.BigEndian.PutUint32(plain[4:], uint32(160*(i+j)))
					if pkts[j], err = enc.EncryptRTP(pkts[j][:0], plain, &hdr); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				for j := range n {
					f.receive(pkts[j])
				}
				i += n
			}
			b.StopTimer()
			if st := br.Stats(); st.BrowserToPhone != uint64(b.N) || f.rejected.Load() != 0 {
				b.Fatalf("stats %+v, rejected %d", st, f.rejected.Load())
			}
		})
	}
}
