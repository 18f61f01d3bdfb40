package browserleg

import "github.com/callgate/callgate/media"

// ptMap maps payload type numbers of one side to the other's; to[pt] is
// valid when ok[pt].
type ptMap struct {
	to [128]uint8
	ok [128]bool
}

// ptMaps holds both directions of a bridge's payload type mapping.
type ptMaps struct {
	toBrowser ptMap
	toPhone   ptMap
}

// buildPTMaps pairs the browser leg's formats with the phone's by encoding
// name, clock rate and channels (RFC 3264 §6.1: payload type numbers are
// local to each session, only the format they name matters). With no
// phone formats given, the phone is taken to use the browser's numbers.
func buildPTMaps(browser, phone []media.Codec) *ptMaps {
	m := &ptMaps{}
	if len(phone) == 0 {
		phone = browser
	}
	for _, b := range browser {
		for _, p := range phone {
			if b.PT > 127 || p.PT > 127 || !sameFormat(b, p) {
				continue
			}
			if !m.toBrowser.ok[p.PT] {
				m.toBrowser.to[p.PT], m.toBrowser.ok[p.PT] = b.PT, true
			}
			if !m.toPhone.ok[b.PT] {
				m.toPhone.to[b.PT], m.toPhone.ok[b.PT] = p.PT, true
			}
		}
	}
	return m
}

// rewrite sets the payload type of RTP packet pkt (at least 2 bytes)
// through m, keeping the marker bit; false when pkt's type has no mapping.
func (m *ptMap) rewrite(pkt []byte) bool {
	pt := pkt[1] & 0x7f
	if !m.ok[pt] {
		return false
	}
	pkt[1] = pkt[1]&0x80 | m.to[pt]
	return true
}

// isRTCP reports whether a packet on an RTP port is RTCP multiplexed onto
// it: RFC 5761 §4 tells them apart by the second octet, whose RTCP packet
// types 192–223 map to RTP payload types 64–95.
func isRTCP(pkt []byte) bool {
	return pkt[1] >= 192 && pkt[1] <= 223
}
