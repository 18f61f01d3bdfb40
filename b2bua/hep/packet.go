package hep

import (
	"net/netip"
	"time"
)

// Packet is one captured message and the addressing of the datagram or
// segment that carried it.
type Packet struct {
	// Src and Dst are the transport addresses of the captured message. Both
	// must be of one IP family; IPv4-mapped IPv6 addresses count as IPv4.
	Src, Dst netip.AddrPort
	// Proto is the IP protocol number of the transport (ProtoUDP, ProtoTCP).
	Proto uint8
	// Time is the capture time; it is carried with microsecond precision.
	Time time.Time
	// Type is the payload protocol type (TypeSIP, TypeRTCP, TypeLog).
	Type uint8
	// CorrelationID groups packets of one call in the collector; for SIP
	// this is the Call-ID. Empty means no correlation chunk.
	CorrelationID string
	// Payload is the captured message.
	Payload []byte
}

// Meta holds the packet-level fields of a HEP3 packet that are not part of
// the captured message.
type Meta struct {
	// CaptureID is the capture agent ID (chunk 0x000c).
	CaptureID uint32
	// AuthKey is the authentication key (chunk 0x000e), empty if absent.
	AuthKey string
}
