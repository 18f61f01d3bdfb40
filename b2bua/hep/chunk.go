package hep

// Packet header and chunk layout, HEP3 spec "HEP3 header" and "Chunks": the
// header is the 4 ASCII bytes "HEP3" followed by the total
// packet length (header included) as a 16-bit big-endian integer; every chunk
// starts with a 16-bit vendor ID, a 16-bit chunk type ID and a 16-bit chunk
// length that includes these 6 bytes. All integers are in network byte order.
const (
	magic          = "HEP3"
	headerLen      = 6
	chunkHeaderLen = 6
	maxTotalLen    = 0xffff
)

// vendorGeneric is the vendor ID of the generic chunk types (HEP3 spec,
// "Chunk types with chunk vendor ID 0x0000 are called generic chunk types").
const vendorGeneric = 0x0000

// Generic chunk type IDs, HEP3 spec table of generic chunk types.
const (
	chunkIPFamily      = 0x0001 // uint8: IP protocol family (2 = IPv4, 10 = IPv6)
	chunkIPProto       = 0x0002 // uint8: IP protocol ID (6 = TCP, 17 = UDP)
	chunkIPv4Src       = 0x0003 // inet4-addr: IPv4 source address
	chunkIPv4Dst       = 0x0004 // inet4-addr: IPv4 destination address
	chunkIPv6Src       = 0x0005 // inet6-addr: IPv6 source address
	chunkIPv6Dst       = 0x0006 // inet6-addr: IPv6 destination address
	chunkSrcPort       = 0x0007 // uint16: protocol source port
	chunkDstPort       = 0x0008 // uint16: protocol destination port
	chunkTimeSec       = 0x0009 // uint32: timestamp, seconds since 1970-01-01 UTC
	chunkTimeUsec      = 0x000a // uint32: timestamp, microseconds offset
	chunkProtoType     = 0x000b // uint8: protocol type of the payload (Type* constants)
	chunkCaptureID     = 0x000c // uint32: capture agent ID
	chunkAuthKey       = 0x000e // octet-string: authentication key
	chunkPayload       = 0x000f // octet-string: captured packet payload
	chunkCorrelationID = 0x0011 // octet-string: internal correlation ID
)

// IP protocol family values of chunk 0x0001. The HEP3 spec uses the socket
// address family numbers of the capturing host, which on the platforms HEP
// agents run on are AF_INET = 2 and AF_INET6 = 10.
const (
	familyIPv4 = 2
	familyIPv6 = 10
)

// IP protocol IDs for Packet.Proto (chunk 0x0002, IANA protocol numbers).
const (
	// ProtoTCP is the IP protocol number of TCP (also used for TLS and
	// WebSocket transports, which run over TCP).
	ProtoTCP uint8 = 6
	// ProtoUDP is the IP protocol number of UDP.
	ProtoUDP uint8 = 17
)

// Payload protocol types for Packet.Type (chunk 0x000b), HEP3 spec table
// of protocol type values.
const (
	// TypeSIP marks a SIP message payload.
	TypeSIP uint8 = 0x01
	// TypeRTCP marks an RTCP report rendered as JSON, as rtpengine and
	// FreeSWITCH send it.
	TypeRTCP uint8 = 0x05
	// TypeLog marks a free-form log line correlated with a call.
	TypeLog uint8 = 0x64
)

// Chunk sizes of the fixed-width value types, header included.
const (
	sizeUint8  = chunkHeaderLen + 1
	sizeUint16 = chunkHeaderLen + 2
	sizeUint32 = chunkHeaderLen + 4
	sizeIPv4   = chunkHeaderLen + 4
	sizeIPv6   = chunkHeaderLen + 16
)
