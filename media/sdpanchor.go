package media

import (
	"bytes"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// Limits on SDP bodies read from the network.
const (
	// MaxSDPSize is the largest SDP body AnchorSDP accepts.
	MaxSDPSize = 32 << 10
	// MaxMediaLines is the most m= lines AnchorSDP accepts.
	MaxMediaLines = 16
)

// Directions of a stream (RFC 3264 §5.1, RFC 4566 §6).
const (
	DirSendRecv = "sendrecv"
	DirSendOnly = "sendonly"
	DirRecvOnly = "recvonly"
	DirInactive = "inactive"
)

// Remote is what an SDP body tells about where its sender wants its audio.
type Remote struct {
	// RTP and RTCP are the peer's signalled addresses; zero when the
	// stream is on hold with an unspecified address or rejected.
	RTP, RTCP netip.AddrPort
	// Direction is the stream's direction attribute (media level, else
	// session level, else sendrecv; RFC 3264 §5.1).
	Direction string
	// Hold is true when the sender puts the stream on hold: c= with an
	// unspecified address (RFC 2543 style, RFC 3264 §8.4), or direction
	// sendonly or inactive (RFC 3264 §8.4).
	Hold bool
	// Rejected is true when the audio m-line has port 0 (RFC 3264 §6).
	Rejected bool
}

// AnchorSDP parses a SIP SDP body (RFC 4566) and returns the remote RTP/RTCP
// addresses it signals for its first audio m-line (the first with a non-zero
// port, if any), and a rewritten body that anchors that stream at
// advertised:port.
//
// Remote: the connection address is the media-level c= if present, else the
// session-level one (RFC 4566 §5.7); RTCP comes from a=rtcp (RFC 3605) when
// present, else RTP port + 1 (RFC 3550 §11); port 0 means the stream is
// rejected (RFC 3264 §6).
//
// Rewritten body: every c= line (session and media level) points at
// advertised, except an unspecified address (c=0.0.0.0 hold), which stays;
// the audio m= port becomes port (a rejected port 0 stays 0); a=rtcp becomes
// port+1 (with advertised when it carried an address); ICE attributes
// (a=candidate, a=ice-*, a=end-of-candidates, a=remote-candidates) and the
// transport-sharing ones (a=rtcp-mux, a=rtcp-mux-only, a=group:BUNDLE,
// a=bundle-only) are removed, because the anchored stream uses our own
// separate RTP and RTCP ports; other m-lines keep their content but get port
// 0 (only the first audio stream is anchored); o= carries advertised and the
// username, session id and version kept by origin (when origin is nil the
// peer's own o= fields are kept). Every other line and attribute (rtpmap,
// fmtp, ptime, direction, telephone-event, ...) is kept in order. The output
// uses CRLF line endings.
//
// Errors wrap ErrBadSDP (syntax, limits, unusable addresses), ErrNoAudio,
// ErrUnsupportedTransport (e.g. DTLS-SRTP) or ErrInvalidConfig (advertised,
// port or origin unusable).
func AnchorSDP(body []byte, advertised netip.Addr, port int, origin *Origin) (rewritten []byte, remote Remote, err error) {
	advertised = advertised.Unmap()
	if !advertised.IsValid() || advertised.IsUnspecified() || advertised.Zone() != "" {
		return nil, Remote{}, fmt.Errorf("%w: advertised address %v", ErrInvalidConfig, advertised)
	}
	if port < 1 || port > 65534 {
		return nil, Remote{}, fmt.Errorf("%w: advertised port %d", ErrInvalidConfig, port)
	}
	if origin != nil && strings.ContainsAny(origin.Username, " \t\r\n") {
		return nil, Remote{}, fmt.Errorf("%w: origin username %q", ErrInvalidConfig, origin.Username)
	}
	if err := precheckSDP(body); err != nil {
		return nil, Remote{}, err
	}
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(string(body)); err != nil {
		return nil, Remote{}, fmt.Errorf("%w: %w", ErrBadSDP, err)
	}
	// RFC 4566 §5.1: only version 0 exists.
	if sd.Version != 0 {
		return nil, Remote{}, fmt.Errorf("%w: v=%d", ErrBadSDP, sd.Version)
	}
	// The anchored stream is the first audio m-line still in use; an
	// earlier one with port 0 may be a stream disabled in a previous
	// offer/answer, which stays in place (RFC 3264 §8.2).
	audio := -1
	for i, md := range sd.MediaDescriptions {
		if md.MediaName.Media != "audio" {
			continue
		}
		if audio < 0 {
			audio = i
		}
		if md.MediaName.Port.Value != 0 {
			audio = i
			break
		}
	}
	if audio < 0 {
		return nil, Remote{}, ErrNoAudio
	}
	if remote, err = readRemote(&sd, sd.MediaDescriptions[audio]); err != nil {
		return nil, Remote{}, err
	}
	if err := checkConnections(&sd); err != nil {
		return nil, Remote{}, err
	}

	advType := addrType(advertised)
	rewriteConn(sd.ConnectionInformation, advertised, advType)
	sd.Attributes = keepAttributes(sd.Attributes, true)
	for i, md := range sd.MediaDescriptions {
		rewriteConn(md.ConnectionInformation, advertised, advType)
		md.Attributes = keepAttributes(md.Attributes, false)
		if i != audio {
			// Only one audio stream is anchored: disable the rest
			// (RFC 3264 §6 / §8.2) and drop a=rtcp, which could carry the
			// peer's address.
			md.MediaName.Port.Value = 0
			md.Attributes = dropAttribute(md.Attributes, "rtcp")
			continue
		}
		if md.MediaName.Port.Value == 0 {
			md.Attributes = dropAttribute(md.Attributes, "rtcp")
			continue
		}
		md.MediaName.Port.Value = port
		rewriteRTCPAttr(md.Attributes, advertised, advType, port+1)
	}
	rewritten, err = marshalWithOrigin(&sd, advertised, advType, origin)
	if err != nil {
		return nil, Remote{}, err
	}
	return rewritten, remote, nil
}

// precheckSDP rejects bodies too large or with too many m-lines before the
// full parse.
func precheckSDP(body []byte) error {
	if len(body) == 0 {
		return fmt.Errorf("%w: empty body", ErrBadSDP)
	}
	if len(body) > MaxSDPSize {
		return fmt.Errorf("%w: body of %d bytes exceeds %d", ErrBadSDP, len(body), MaxSDPSize)
	}
	// RFC 4566 §5: lines end in CRLF (a bare LF is tolerated) and no field
	// holds NUL, CR or LF. A stray CR would survive parsing inside a value
	// and split the line for the next parser.
	for i, c := range body {
		if c == 0 || (c == '\r' && (i+1 == len(body) || body[i+1] != '\n')) {
			return fmt.Errorf("%w: NUL or bare CR at byte %d", ErrBadSDP, i)
		}
	}
	m := 0
	for line := range bytes.Lines(body) {
		if len(line) >= 2 && line[0] == 'm' && line[1] == '=' {
			if m++; m > MaxMediaLines {
				return fmt.Errorf("%w: more than %d m-lines", ErrBadSDP, MaxMediaLines)
			}
		}
	}
	return nil
}

// readRemote extracts the peer's audio addresses, direction and hold state.
func readRemote(sd *sdp.SessionDescription, md *sdp.MediaDescription) (Remote, error) {
	var r Remote
	mn := md.MediaName
	if mn.Port.Range != nil {
		return r, fmt.Errorf("%w: audio port range %d/%d", ErrBadSDP, mn.Port.Value, *mn.Port.Range)
	}
	if mn.Port.Value < 0 || mn.Port.Value > 65535 {
		return r, fmt.Errorf("%w: audio port %d", ErrBadSDP, mn.Port.Value)
	}
	r.Direction = direction(md.Attributes)
	if r.Direction == "" {
		r.Direction = direction(sd.Attributes)
	}
	if r.Direction == "" {
		r.Direction = DirSendRecv
	}
	if mn.Port.Value == 0 {
		r.Rejected = true
		return r, nil
	}
	if proto := strings.Join(mn.Protos, "/"); !relayableProto(proto) {
		return r, fmt.Errorf("%w: audio transport %q", ErrUnsupportedTransport, proto)
	}
	ci := md.ConnectionInformation
	if ci == nil {
		ci = sd.ConnectionInformation
	}
	if ci == nil {
		// RFC 4566 §5.7: c= must be at session level or in every m-line.
		return r, fmt.Errorf("%w: no c= line for the audio stream", ErrBadSDP)
	}
	addr, err := connAddr(ci)
	if err != nil {
		return r, err
	}
	r.Hold = r.Direction == DirSendOnly || r.Direction == DirInactive
	if addr.IsUnspecified() {
		r.Hold = true
		return r, nil
	}
	rtpPort := mn.Port.Value
	r.RTP = netip.AddrPortFrom(addr, uint16(rtpPort))
	if v, ok := md.Attribute("rtcp"); ok {
		rtcp, err := parseRTCPAttr(v, addr)
		if err != nil {
			return Remote{}, err
		}
		r.RTCP = rtcp
		return r, nil
	}
	if rtpPort == 65535 {
		return Remote{}, fmt.Errorf("%w: audio port 65535 leaves no RTCP port", ErrBadSDP)
	}
	// RFC 3550 §11: RTCP on the next higher port.
	r.RTCP = netip.AddrPortFrom(addr, uint16(rtpPort+1))
	return r, nil
}

// relayableProto reports whether an m= proto can be relayed packet by packet
// without touching payloads: RTP profiles without DTLS (SDES-SRTP passes
// through; DTLS-SRTP keys are bound to the endpoints, RFC 5763).
func relayableProto(proto string) bool {
	switch proto {
	case "RTP/AVP", "RTP/AVPF", "RTP/SAVP", "RTP/SAVPF":
		return true
	}
	return false
}

// direction returns the direction attribute among attrs, or "".
func direction(attrs []sdp.Attribute) string {
	for _, a := range attrs {
		switch a.Key {
		case DirSendRecv, DirSendOnly, DirRecvOnly, DirInactive:
			return a.Key
		}
	}
	return ""
}

// connAddr validates a c= line and returns its address (unmapped). Only a
// unicast IP literal whose family matches the address type is usable (RFC
// 4566 §5.7); an unspecified address is allowed (hold).
func connAddr(ci *sdp.ConnectionInformation) (netip.Addr, error) {
	if ci.Address == nil {
		return netip.Addr{}, fmt.Errorf("%w: c= without address", ErrBadSDP)
	}
	if ci.NetworkType != "IN" {
		return netip.Addr{}, fmt.Errorf("%w: c= network type %q", ErrBadSDP, ci.NetworkType)
	}
	a, err := netip.ParseAddr(ci.Address.Address)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("%w: c= address %q is not an IP literal", ErrBadSDP, ci.Address.Address)
	}
	switch {
	case ci.AddressType == "IP4" && a.Is4():
	case ci.AddressType == "IP6" && a.Is6():
	default:
		return netip.Addr{}, fmt.Errorf("%w: c= address %q does not match type %q", ErrBadSDP, ci.Address.Address, ci.AddressType)
	}
	if a.IsMulticast() || ci.Address.TTL != nil || ci.Address.Range != nil {
		return netip.Addr{}, fmt.Errorf("%w: multicast c= %q", ErrBadSDP, ci.Address.Address)
	}
	return a.Unmap(), nil
}

// checkConnections validates every c= line, since all are rewritten.
func checkConnections(sd *sdp.SessionDescription) error {
	if ci := sd.ConnectionInformation; ci != nil {
		if _, err := connAddr(ci); err != nil {
			return err
		}
	}
	for _, md := range sd.MediaDescriptions {
		if ci := md.ConnectionInformation; ci != nil {
			if _, err := connAddr(ci); err != nil {
				return err
			}
		}
	}
	return nil
}

// parseRTCPAttr parses "a=rtcp:<port> [IN IP4|IP6 <addr>]" (RFC 3605 §2.1);
// without an address the stream's connection address applies.
func parseRTCPAttr(v string, conn netip.Addr) (netip.AddrPort, error) {
	f := strings.Fields(v)
	if len(f) != 1 && len(f) != 4 {
		return netip.AddrPort{}, fmt.Errorf("%w: a=rtcp:%s", ErrBadSDP, v)
	}
	p, err := strconv.Atoi(f[0])
	if err != nil || p < 1 || p > 65535 {
		return netip.AddrPort{}, fmt.Errorf("%w: a=rtcp port %q", ErrBadSDP, f[0])
	}
	addr := conn
	if len(f) == 4 {
		a, err := connAddr(&sdp.ConnectionInformation{NetworkType: f[1], AddressType: f[2], Address: &sdp.Address{Address: f[3]}})
		if err != nil {
			return netip.AddrPort{}, fmt.Errorf("a=rtcp: %w", err)
		}
		if !a.IsUnspecified() {
			addr = a
		}
	}
	return netip.AddrPortFrom(addr, uint16(p)), nil
}

// addrType returns the SDP address type of a (RFC 4566 §5.7).
func addrType(a netip.Addr) string {
	if a.Is4() {
		return "IP4"
	}
	return "IP6"
}

// rewriteConn points a validated c= line at adv, unless it holds an
// unspecified address (hold), which must survive (RFC 3264 §8.4).
func rewriteConn(ci *sdp.ConnectionInformation, adv netip.Addr, advType string) {
	if ci == nil || ci.Address == nil {
		return
	}
	if a, err := netip.ParseAddr(ci.Address.Address); err == nil && a.IsUnspecified() {
		return
	}
	ci.NetworkType = "IN"
	ci.AddressType = advType
	ci.Address = &sdp.Address{Address: adv.String()}
}

// transportAttribute reports whether an attribute describes the peer's
// transport (ICE, RFC 8839; rtcp-mux, RFC 5761 and RFC 8858; BUNDLE, RFC
// 8843) and must not be passed to the other leg, which talks to our
// sockets instead.
func transportAttribute(a sdp.Attribute, session bool) bool {
	switch a.Key {
	case "candidate", "remote-candidates", "end-of-candidates",
		"rtcp-mux", "rtcp-mux-only", "bundle-only":
		return true
	case "group":
		return session && strings.HasPrefix(a.Value, "BUNDLE")
	}
	return strings.HasPrefix(a.Key, "ice-")
}

// keepAttributes returns attrs without transport attributes, in order.
func keepAttributes(attrs []sdp.Attribute, session bool) []sdp.Attribute {
	out := attrs[:0]
	for _, a := range attrs {
		if !transportAttribute(a, session) {
			out = append(out, a)
		}
	}
	return out
}

// dropAttribute returns attrs without key, in order.
func dropAttribute(attrs []sdp.Attribute, key string) []sdp.Attribute {
	out := attrs[:0]
	for _, a := range attrs {
		if a.Key != key {
			out = append(out, a)
		}
	}
	return out
}

// rewriteRTCPAttr points a=rtcp at our RTCP port (RFC 3605 §2.1), with our
// address if the original named one.
func rewriteRTCPAttr(attrs []sdp.Attribute, adv netip.Addr, advType string, rtcpPort int) {
	for i := range attrs {
		if attrs[i].Key != "rtcp" {
			continue
		}
		v := strconv.Itoa(rtcpPort)
		if len(strings.Fields(attrs[i].Value)) > 1 {
			v += " IN " + advType + " " + adv.String()
		}
		attrs[i].Value = v
	}
}

// marshalWithOrigin serialises sd with an o= line carrying adv and, when
// origin is set, origin's username, session id and version: the version is
// bumped only if the rest of the body differs from the last one stamped
// (RFC 3264 §8).
func marshalWithOrigin(sd *sdp.SessionDescription, adv netip.Addr, advType string, origin *Origin) ([]byte, error) {
	sd.Origin.NetworkType = "IN"
	sd.Origin.AddressType = advType
	sd.Origin.UnicastAddress = adv.String()
	if origin == nil {
		return marshalSDP(sd)
	}
	// Serialise with version 0, hash, then splice the real version in.
	user, id, _ := origin.peek()
	sd.Origin.Username = user
	sd.Origin.SessionID = id
	sd.Origin.SessionVersion = 0
	b, err := marshalSDP(sd)
	if err != nil {
		return nil, err
	}
	_, _, version := origin.stamp(fnv64a(b))
	at := bytes.Index(b, []byte("\r\no="))
	if at < 0 {
		return nil, fmt.Errorf("%w: no o= line after rewriting", ErrBadSDP)
	}
	at += len("\r\no=") + len(user) + 1 + len(strconv.FormatUint(id, 10)) + 1
	if at+1 >= len(b) || b[at] != '0' || b[at+1] != ' ' {
		return nil, fmt.Errorf("%w: unexpected o= line after rewriting", ErrBadSDP)
	}
	out := make([]byte, 0, len(b)+20)
	out = append(out, b[:at]...)
	out = strconv.AppendUint(out, version, 10)
	return append(out, b[at+1:]...), nil
}

// marshalSDP serialises sd (CRLF line endings, RFC 4566 §5).
func marshalSDP(sd *sdp.SessionDescription) ([]byte, error) {
	b, err := sd.Marshal()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSDP, err)
	}
	return b, nil
}
