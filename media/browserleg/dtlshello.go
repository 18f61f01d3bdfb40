package browserleg

import (
	"encoding/binary"
	"fmt"
)

// DTLS constants the hello parser needs.
const (
	// RFC 6347 §4.1: type(1) version(2) epoch(2) sequence_number(6)
	// length(2).
	dtlsRecordHeaderLen = 13
	// RFC 6347 §4.2.2: msg_type(1) length(3) message_seq(2)
	// fragment_offset(3) fragment_length(3).
	dtlsHandshakeHeaderLen = 12
	// RFC 5246 §6.2.1: ContentType handshake(22).
	dtlsContentHandshake = 22
	// RFC 5246 §7.4: HandshakeType client_hello(1), server_hello(2).
	dtlsClientHello = 1
	dtlsServerHello = 2
	// RFC 5764 §9: ExtensionType use_srtp(14).
	dtlsExtUseSRTP = 14
	// RFC 5246 §7.4.1.2: Random is 32 octets.
	dtlsRandomLen = 32
)

// dtlsHello is what a ClientHello or ServerHello tells the fast path.
type dtlsHello struct {
	// server is true for a ServerHello, false for a ClientHello.
	server bool
	// random is the hello's Random (RFC 5246 §7.4.1.2).
	random [dtlsRandomLen]byte
	// suite is the cipher suite a ServerHello chose (RFC 5246 §7.4.1.3).
	suite uint16
	// profile is the SRTP protection profile a ServerHello chose in its
	// use_srtp extension (RFC 5764 §4.1.1); 0 when it has none.
	profile uint16
}

// isDTLS reports whether a datagram on a shared WebRTC port is DTLS:
// RFC 7983 §7, first octet 20 to 63.
func isDTLS(b []byte) bool { return len(b) > 0 && b[0] >= 20 && b[0] <= 63 }

// isSRTP reports whether a datagram on a shared WebRTC port is RTP or RTCP:
// RFC 7983 §7, first octet 128 to 191.
func isSRTP(b []byte) bool { return len(b) > 0 && b[0] >= 128 && b[0] <= 191 }

// parseDTLSHello finds the first ClientHello or ServerHello in a DTLS
// datagram. ok is false, with a nil error, for a datagram that holds
// neither (other handshake messages, encrypted records, alerts); an error
// means a hello that could not be read: a record or handshake header
// cut short (RFC 6347 §4.1, §4.2.2), or a ServerHello whose fragment does
// not hold everything up to its extensions. A datagram may carry several
// records (RFC 6347 §4.1.1).
func parseDTLSHello(b []byte) (h dtlsHello, ok bool, err error) {
	for len(b) > 0 {
		if len(b) < dtlsRecordHeaderLen {
			return h, false, fmt.Errorf("%w: record header of %d bytes", errDTLSHello, len(b))
		}
		n := int(binary.BigEndian.Uint16(b[11:13]))
		if len(b) < dtlsRecordHeaderLen+n {
			return h, false, fmt.Errorf("%w: record of %d bytes, %d present", errDTLSHello, n, len(b)-dtlsRecordHeaderLen)
		}
		body := b[dtlsRecordHeaderLen : dtlsRecordHeaderLen+n]
		typ, epoch := b[0], binary.BigEndian.Uint16(b[3:5])
		b = b[dtlsRecordHeaderLen+n:]
		// RFC 6347 §4.1: hellos travel in epoch 0, unencrypted.
		if typ != dtlsContentHandshake || epoch != 0 {
			continue
		}
		// A record may hold several handshake messages (RFC 6347 §4.2.3).
		for len(body) > 0 {
			if len(body) < dtlsHandshakeHeaderLen {
				return h, false, fmt.Errorf("%w: handshake header of %d bytes", errDTLSHello, len(body))
			}
			msgType := body[0]
			fragOff := uint24(body[6:9])
			fragLen := int(uint24(body[9:12]))
			if len(body) < dtlsHandshakeHeaderLen+fragLen {
				return h, false, fmt.Errorf("%w: fragment of %d bytes, %d present", errDTLSHello, fragLen, len(body)-dtlsHandshakeHeaderLen)
			}
			frag := body[dtlsHandshakeHeaderLen : dtlsHandshakeHeaderLen+fragLen]
			body = body[dtlsHandshakeHeaderLen+fragLen:]
			// Only the first fragment holds the Random (RFC 6347 §4.2.3).
			if fragOff != 0 || (msgType != dtlsClientHello && msgType != dtlsServerHello) {
				continue
			}
			if msgType == dtlsClientHello {
				h, err = parseClientHello(frag)
			} else {
				h, err = parseServerHello(frag)
			}
			return h, err == nil, err
		}
	}
	return h, false, nil
}

// parseClientHello reads the Random of a ClientHello body: RFC 6347 §4.2.1
// client_version(2), random(32), then fields the fast path does not need.
func parseClientHello(b []byte) (dtlsHello, error) {
	var h dtlsHello
	if len(b) < 2+dtlsRandomLen {
		return h, fmt.Errorf("%w: ClientHello of %d bytes", errDTLSHello, len(b))
	}
	copy(h.random[:], b[2:2+dtlsRandomLen])
	return h, nil
}

// parseServerHello reads a ServerHello body (RFC 5246 §7.4.1.3):
// server_version(2), random(32), session_id<0..32>, cipher_suite(2),
// compression_method(1), then optional extensions<0..2^16-1>, among them
// use_srtp (RFC 5764 §4.1.1) with the one profile the server chose.
func parseServerHello(b []byte) (dtlsHello, error) {
	h := dtlsHello{server: true}
	if len(b) < 2+dtlsRandomLen+1 {
		return h, fmt.Errorf("%w: ServerHello of %d bytes", errDTLSHello, len(b))
	}
	copy(h.random[:], b[2:2+dtlsRandomLen])
	b = b[2+dtlsRandomLen:]
	sid := int(b[0])
	if sid > 32 || len(b) < 1+sid+3 {
		return h, fmt.Errorf("%w: ServerHello session id of %d bytes", errDTLSHello, sid)
	}
	b = b[1+sid:]
	h.suite = binary.BigEndian.Uint16(b[0:2])
	b = b[3:]
	if len(b) == 0 {
		// No extensions at all: no use_srtp.
		return h, nil
	}
	if len(b) < 2 || len(b) < 2+int(binary.BigEndian.Uint16(b[0:2])) {
		return h, fmt.Errorf("%w: ServerHello extensions cut short", errDTLSHello)
	}
	exts := b[2 : 2+int(binary.BigEndian.Uint16(b[0:2]))]
	for len(exts) > 0 {
		if len(exts) < 4 {
			return h, fmt.Errorf("%w: extension header of %d bytes", errDTLSHello, len(exts))
		}
		typ := binary.BigEndian.Uint16(exts[0:2])
		n := int(binary.BigEndian.Uint16(exts[2:4]))
		if len(exts) < 4+n {
			return h, fmt.Errorf("%w: extension %d of %d bytes, %d present", errDTLSHello, typ, n, len(exts)-4)
		}
		data := exts[4 : 4+n]
		exts = exts[4+n:]
		if typ != dtlsExtUseSRTP {
			continue
		}
		// RFC 5764 §4.1.1: SRTPProtectionProfiles profiles<2..2^16-1>,
		// opaque srtp_mki<0..255>; the server's list holds exactly one.
		if len(data) < 2 {
			return h, fmt.Errorf("%w: use_srtp of %d bytes", errDTLSHello, len(data))
		}
		plen := int(binary.BigEndian.Uint16(data[0:2]))
		if plen != 2 || len(data) < 2+plen+1 {
			return h, fmt.Errorf("%w: use_srtp with %d bytes of profiles", errDTLSHello, plen)
		}
		if mki := int(data[2+plen]); mki != 0 {
			// RFC 5764 §4.1.2: an MKI the fast path would have to send; it
			// leaves such sessions to pion.
			return h, fmt.Errorf("%w: use_srtp with an MKI of %d bytes", errDTLSHello, mki)
		}
		h.profile = binary.BigEndian.Uint16(data[2:4])
	}
	return h, nil
}

// uint24 reads a 24-bit big-endian integer.
func uint24(b []byte) uint32 { return uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2]) }
