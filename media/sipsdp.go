package media

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// AudioMedia is what an SDP body says about its first active audio stream.
type AudioMedia struct {
	// Codecs are the stream's payload formats in the order of the m= line,
	// which is the sender's order of preference (RFC 3264 §5.1).
	Codecs []Codec
	// Direction is sendrecv, sendonly, recvonly or inactive: the media
	// level attribute, else the session level one, else sendrecv (RFC 4566
	// §6, RFC 3264 §5.1).
	Direction string
	// Ptime is the a=ptime packet time in milliseconds (RFC 4566 §6), 0
	// when absent.
	Ptime int
}

// ParseCodecs returns the payload formats of the first audio m-line with a
// non-zero port of an SDP body (RFC 4566), in the order of the m= line, and
// that stream's direction. It is ParseAudioMedia without the packet time;
// see there for details and errors.
func ParseCodecs(body []byte) (codecs []Codec, dir string, err error) {
	am, err := ParseAudioMedia(body)
	if err != nil {
		return nil, "", err
	}
	return am.Codecs, am.Direction, nil
}

// ParseAudioMedia reads the first audio m-line with a non-zero port of an
// SDP body (RFC 4566); m-lines with port 0 are rejected or disabled streams
// (RFC 3264 §6, §8.2). It accepts any RTP profile, plain (RTP/AVP) as well
// as a browser's UDP/TLS/RTP/SAVPF.
//
// Each format of the m= line becomes a Codec. a=rtpmap names it (RFC 4566
// §6); a static payload type without a=rtpmap gets its RFC 3551 §6 name,
// clock and channels (0 PCMU/8000, 3 GSM/8000, 8 PCMA/8000, 9 G722/8000,
// 13 CN/8000, 18 G729/8000, ...); a dynamic one without a=rtpmap keeps an
// empty name and zero clock. a=fmtp attaches to its payload type. A
// malformed a=rtpmap or a=fmtp line, or one for a payload type not on the
// m= line, is ignored; so are repeated payload types and repeated
// attributes for one payload type after the first.
//
// Errors wrap ErrBadSDP (syntax, limits, a format that is not a payload
// type 0-127), ErrNoAudio (no audio m-line, or only rejected ones) or
// ErrUnsupportedTransport (an audio stream that is not RTP).
func ParseAudioMedia(body []byte) (AudioMedia, error) {
	if err := precheckSDP(body); err != nil {
		return AudioMedia{}, err
	}
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(string(body)); err != nil {
		return AudioMedia{}, fmt.Errorf("%w: %w", ErrBadSDP, err)
	}
	// RFC 4566 §5.1: only version 0 exists.
	if sd.Version != 0 {
		return AudioMedia{}, fmt.Errorf("%w: v=%d", ErrBadSDP, sd.Version)
	}
	md, err := activeAudio(&sd)
	if err != nil {
		return AudioMedia{}, err
	}
	codecs, err := parseFormats(md)
	if err != nil {
		return AudioMedia{}, err
	}
	dir := direction(md.Attributes)
	if dir == "" {
		dir = direction(sd.Attributes)
	}
	if dir == "" {
		// RFC 3264 §5.1: sendrecv when no direction is given.
		dir = DirSendRecv
	}
	ptime := 0
	if v, ok := md.Attribute("ptime"); ok {
		ptime = parsePtime(v)
	} else if v, ok := sd.Attribute("ptime"); ok {
		// RFC 4566 §6 defines ptime at media level; some phones put it
		// at session level.
		ptime = parsePtime(v)
	}
	return AudioMedia{Codecs: codecs, Direction: dir, Ptime: ptime}, nil
}

// activeAudio returns the first audio m-line with a non-zero port, which
// must be an RTP stream.
func activeAudio(sd *sdp.SessionDescription) (*sdp.MediaDescription, error) {
	sawAudio := false
	for _, m := range sd.MediaDescriptions {
		if m.MediaName.Media != "audio" {
			continue
		}
		sawAudio = true
		if m.MediaName.Port.Value == 0 {
			continue
		}
		// RFC 4566 §5.14: formats are RTP payload types only under an RTP
		// profile (RTP/AVP and the profiles that extend it).
		if !slices.Contains(m.MediaName.Protos, "RTP") {
			return nil, fmt.Errorf("%w: audio transport %q", ErrUnsupportedTransport, strings.Join(m.MediaName.Protos, "/"))
		}
		return m, nil
	}
	if sawAudio {
		return nil, fmt.Errorf("%w: every audio stream has port 0", ErrNoAudio)
	}
	return nil, ErrNoAudio
}

// parseFormats builds the codec list of an RTP m-line from its formats and
// a=rtpmap / a=fmtp attributes.
func parseFormats(md *sdp.MediaDescription) ([]Codec, error) {
	codecs := make([]Codec, 0, len(md.MediaName.Formats))
	// at[pt] is 1 + the index of payload type pt in codecs, 0 if absent.
	var at [128]uint8
	for _, f := range md.MediaName.Formats {
		// RFC 3550 §5.1: the payload type is a 7-bit field.
		pt, err := strconv.ParseUint(f, 10, 7)
		if err != nil {
			return nil, fmt.Errorf("%w: audio format %q is not an RTP payload type", ErrBadSDP, f)
		}
		if at[pt] != 0 {
			continue
		}
		c, _ := staticCodec(uint8(pt))
		c.PT = uint8(pt)
		codecs = append(codecs, c)
		at[pt] = uint8(len(codecs))
	}
	var mapped, withFmtp [128]bool
	for _, a := range md.Attributes {
		switch a.Key {
		case "rtpmap":
			c, ok := parseRtpmap(a.Value)
			if !ok || at[c.PT] == 0 || mapped[c.PT] {
				continue
			}
			mapped[c.PT] = true
			p := &codecs[at[c.PT]-1]
			p.Name, p.Clock, p.Channels = c.Name, c.Clock, c.Channels
		case "fmtp":
			pt, params, ok := parseFmtp(a.Value)
			if !ok || at[pt] == 0 || withFmtp[pt] {
				continue
			}
			withFmtp[pt] = true
			codecs[at[pt]-1].Fmtp = params
		}
	}
	return codecs, nil
}

// cutPT splits "<payload type> <rest>" as found in a=rtpmap and a=fmtp
// values (RFC 4566 §6) and trims rest.
func cutPT(v string) (pt uint8, rest string, ok bool) {
	v = strings.TrimLeft(v, " \t")
	i := strings.IndexAny(v, " \t")
	if i < 0 {
		return 0, "", false
	}
	n, err := strconv.ParseUint(v[:i], 10, 7)
	if err != nil {
		return 0, "", false
	}
	return uint8(n), strings.TrimSpace(v[i+1:]), true
}

// parseRtpmap parses an a=rtpmap value, "<payload type> <encoding
// name>/<clock rate>[/<encoding parameters>]" (RFC 4566 §6); for audio the
// encoding parameter is the channel count.
func parseRtpmap(v string) (Codec, bool) {
	pt, rest, ok := cutPT(v)
	if !ok {
		return Codec{}, false
	}
	if i := strings.IndexAny(rest, " \t"); i >= 0 {
		rest = rest[:i]
	}
	name, rest, ok := strings.Cut(rest, "/")
	if !ok || name == "" {
		return Codec{}, false
	}
	clockText, chText, hasCh := strings.Cut(rest, "/")
	clock, err := strconv.ParseUint(clockText, 10, 32)
	if err != nil || clock == 0 {
		return Codec{}, false
	}
	c := Codec{PT: pt, Name: name, Clock: uint32(clock)}
	if hasCh {
		ch, err := strconv.ParseUint(chText, 10, 16)
		if err != nil || ch == 0 {
			return Codec{}, false
		}
		c.Channels = uint16(ch)
	}
	return c, true
}

// parseFmtp parses an a=fmtp value, "<format> <format specific
// parameters>" (RFC 4566 §6).
func parseFmtp(v string) (pt uint8, params string, ok bool) {
	pt, params, ok = cutPT(v)
	if !ok || params == "" {
		return 0, "", false
	}
	return pt, params, true
}

// parsePtime reads an a=ptime value in milliseconds (RFC 4566 §6); some
// peers write a fraction ("20.0"). It returns 0 for an unusable value.
func parsePtime(v string) int {
	v = strings.TrimSpace(v)
	if n, err := strconv.Atoi(v); err == nil {
		if n > 0 && n <= math.MaxUint16 {
			return n
		}
		return 0
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f >= 0.5 && f <= math.MaxUint16) {
		return 0
	}
	return int(math.Round(f))
}

// AnswerDirection returns the direction an answer gives a stream offered
// with direction offer (RFC 3264 §6.1): sendonly is answered recvonly,
// recvonly sendonly, inactive inactive, and sendrecv (or "") sendrecv.
// Answering a hold (sendonly) with sendrecv makes carriers hang up.
func AnswerDirection(offer string) string {
	switch offer {
	case DirSendOnly:
		return DirRecvOnly
	case DirRecvOnly:
		return DirSendOnly
	case DirInactive:
		return DirInactive
	}
	return DirSendRecv
}

// sipSDPPtime is the packet time callgate asks SIP peers for (RFC 4566 §6):
// 20 ms, the RFC 3551 §4.5 default for the passthrough codecs and what
// browsers send.
const sipSDPPtime = "20"

// BuildSIPSDP renders a session description with one plain RTP/AVP audio
// stream for a SIP peer (RFC 4566, RFC 3264 §5): v=0, o=, s=-, c= with
// addr, t=0 0, m=audio port RTP/AVP with the payload types of codecs in
// order, a=rtpmap for every codec (static payload types too: RFC 4566 §6
// permits it and some phones rely on it), a=fmtp where set, a=ptime:20 and
// the direction attribute. Lines end in CRLF (RFC 4566 §5).
//
// dir is one of the Dir* constants; "" (or anything else) means sendrecv.
// An unspecified addr (0.0.0.0 or ::) is kept as given: it puts the stream
// on hold (RFC 3264 §8.4). An IPv4-mapped address is written as IPv4, a
// zone is dropped, and an invalid addr is written as 0.0.0.0.
//
// The o= line takes username and session id from origin and its version
// from origin's stamping: 1 on first use, incremented only when the rest
// of the body differs from the last one stamped (RFC 3264 §8). Pass the
// leg's Origin on every offer and answer of a call; a nil origin means a
// fresh one (random session id, version 1). An origin username holding
// whitespace is replaced by DefaultOriginUsername.
//
// Codecs with a payload type above 127 or a repeated payload type are
// skipped. A codec without name or clock takes them from RFC 3551 §6 if
// its payload type is static (and is skipped otherwise); a name holding
// whitespace, '/' or control characters skips the codec, and an fmtp
// holding NUL, CR or LF is left out. With no usable codec, or a port
// outside 1-65535, the stream is written as rejected: port 0 (RFC 3264 §6),
// with payload type 0 if no codec is left, since an m= line needs at least
// one format (RFC 4566 §5.14).
func BuildSIPSDP(addr netip.Addr, port int, codecs []Codec, dir string, origin *Origin) []byte {
	if origin == nil {
		origin = &Origin{}
	}
	addr = addr.Unmap().WithZone("")
	if !addr.IsValid() {
		addr = netip.IPv4Unspecified()
	}
	switch dir {
	case DirSendRecv, DirSendOnly, DirRecvOnly, DirInactive:
	default:
		dir = DirSendRecv
	}
	var keep [16]Codec
	list := keep[:0]
	var used [128]bool
	for _, c := range codecs {
		c, ok := renderableCodec(c)
		if !ok || used[c.PT] {
			continue
		}
		used[c.PT] = true
		list = append(list, c)
	}
	if port < 1 || port > 65535 || len(list) == 0 {
		port = 0
	}

	user, id, _ := origin.peek()
	if user == "" || strings.ContainsFunc(user, isSpaceOrControl) {
		user = DefaultOriginUsername
	}
	b := make([]byte, 0, 192+48*len(list))
	b = append(b, "v=0\r\no="...)
	b = append(b, user...)
	b = append(b, ' ')
	b = strconv.AppendUint(b, id, 10)
	b = append(b, ' ')
	// The version is stamped from a hash of the body with version 0 and
	// spliced in afterwards, as AnchorSDP does.
	verAt := len(b)
	b = append(b, '0')
	b = appendNetAddr(append(b, " IN "...), addr)
	b = append(b, "\r\ns=-\r\nc=IN "...)
	b = appendNetAddr(b, addr)
	b = append(b, "\r\nt=0 0\r\nm=audio "...)
	b = strconv.AppendInt(b, int64(port), 10)
	b = append(b, " RTP/AVP"...)
	if len(list) == 0 {
		b = append(b, " 0"...)
	}
	for _, c := range list {
		b = append(b, ' ')
		b = strconv.AppendUint(b, uint64(c.PT), 10)
	}
	b = append(b, "\r\n"...)
	for _, c := range list {
		b = append(b, "a=rtpmap:"...)
		b = strconv.AppendUint(b, uint64(c.PT), 10)
		b = append(b, ' ')
		b = append(b, c.Name...)
		b = append(b, '/')
		b = strconv.AppendUint(b, uint64(c.Clock), 10)
		if c.Channels > 1 {
			b = append(b, '/')
			b = strconv.AppendUint(b, uint64(c.Channels), 10)
		}
		b = append(b, "\r\n"...)
		if c.Fmtp != "" {
			b = append(b, "a=fmtp:"...)
			b = strconv.AppendUint(b, uint64(c.PT), 10)
			b = append(b, ' ')
			b = append(b, c.Fmtp...)
			b = append(b, "\r\n"...)
		}
	}
	b = append(b, "a=ptime:"+sipSDPPtime+"\r\na="...)
	b = append(b, dir...)
	b = append(b, "\r\n"...)

	_, _, version := origin.stamp(fnv64a(b))
	var vbuf [20]byte
	v := strconv.AppendUint(vbuf[:0], version, 10)
	if extra := len(v) - 1; extra > 0 {
		b = append(b, v[:extra]...) // grow; the bytes are overwritten
		copy(b[verAt+len(v):], b[verAt+1:len(b)-extra])
	}
	copy(b[verAt:], v)
	return b
}

// appendNetAddr appends "IP4 <addr>" or "IP6 <addr>" (RFC 4566 §5.7).
func appendNetAddr(b []byte, a netip.Addr) []byte {
	if a.Is4() {
		b = append(b, "IP4 "...)
	} else {
		b = append(b, "IP6 "...)
	}
	return a.AppendTo(b)
}

// renderableCodec completes c from RFC 3551 §6 when it lacks a name or
// clock and reports whether it can be written into an rtpmap line.
func renderableCodec(c Codec) (Codec, bool) {
	if c.PT > 127 {
		return c, false
	}
	if c.Name == "" || c.Clock == 0 {
		s, ok := staticCodec(c.PT)
		if !ok || (c.Name != "" && !strings.EqualFold(c.Name, s.Name)) {
			return c, false
		}
		if c.Name == "" {
			c.Name = s.Name
		}
		c.Clock, c.Channels = s.Clock, s.Channels
	}
	// RFC 4566 §6: the encoding name is a token ending at '/'.
	if strings.ContainsFunc(c.Name, func(r rune) bool { return r == '/' || isSpaceOrControl(r) }) {
		return c, false
	}
	// RFC 4566 §9: an attribute value is a byte-string, which excludes
	// NUL, CR and LF.
	c.Fmtp = strings.TrimSpace(c.Fmtp)
	if strings.ContainsAny(c.Fmtp, "\x00\r\n") {
		c.Fmtp = ""
	}
	return c, true
}

// isSpaceOrControl reports whether r is whitespace or an ASCII control
// character, neither of which may appear inside an SDP token.
func isSpaceOrControl(r rune) bool {
	return r <= ' ' || r == 0x7f
}
