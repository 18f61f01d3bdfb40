package browserleg

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/callgate/callgate/media"
)

// maxSDP bounds a browser description we parse; Chrome's audio offers are
// about 3 kB even with every candidate inline.
const maxSDP = 64 << 10

// sdpInfo is what the leg needs from a description: the first active audio
// section's mid, formats and direction, and the transport attributes that
// must stay stable across renegotiation.
type sdpInfo struct {
	mid         string
	codecs      []media.Codec
	dir         direction
	setup       string
	fingerprint string
	ufrag       string
	pwd         string
	iceLite     bool
	bundle      string
	rtcpMux     bool
	crypto      bool
}

// sdpLines splits an SDP body into lines without their CR (RFC 4566 §5
// asks for CRLF; a bare LF is accepted as many stacks send it).
func sdpLines(s string) []string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	if n := len(lines); n > 0 && lines[n-1] == "" {
		lines = lines[:n-1]
	}
	return lines
}

// joinSDP joins lines with CRLF, ending with CRLF.
func joinSDP(lines []string) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l)
		b.WriteString("\r\n")
	}
	return b.String()
}

// parseSDP extracts sdpInfo from a description. Session-level direction,
// setup, fingerprint and ICE credentials apply unless the media section
// overrides them (RFC 4566 §6, RFC 8839 §5.4, RFC 8122 §5).
func parseSDP(s string) (sdpInfo, error) {
	if len(s) > maxSDP {
		return sdpInfo{}, fmt.Errorf("%w: description of %d bytes", ErrBadSDP, len(s))
	}
	var (
		info       = sdpInfo{dir: dirSendrecv}
		sessionDir = dirSendrecv
		inAudio    bool // inside the chosen audio section
		seenAudio  bool
		inMedia    bool
		mediaDir   = direction(255)
		rtpmap     = map[uint8]media.Codec{}
		fmtp       = map[uint8]string{}
		formats    []uint8
	)
	for _, line := range sdpLines(s) {
		if len(line) < 2 || line[1] != '=' {
			continue
		}
		if strings.HasPrefix(line, "m=") {
			inMedia = true
			inAudio = false
			if seenAudio {
				continue
			}
			f := strings.Fields(line[2:])
			if len(f) < 4 || f[0] != "audio" || f[1] == "0" {
				continue
			}
			inAudio, seenAudio = true, true
			for _, p := range f[3:] {
				pt, err := strconv.ParseUint(p, 10, 7)
				if err != nil {
					return sdpInfo{}, fmt.Errorf("%w: payload type %q", ErrBadSDP, p)
				}
				formats = append(formats, uint8(pt))
			}
			continue
		}
		if line[0] != 'a' {
			continue
		}
		key, val, _ := strings.Cut(line[2:], ":")
		if inMedia && !inAudio {
			continue
		}
		switch key {
		case "sendrecv", "sendonly", "recvonly", "inactive":
			d, _ := parseDirection(key)
			if inAudio {
				mediaDir = d
			} else {
				sessionDir = d
			}
		case "setup":
			info.setup = val
		case "fingerprint":
			info.fingerprint = val
		case "ice-ufrag":
			info.ufrag = val
		case "ice-pwd":
			info.pwd = val
		case "ice-lite":
			info.iceLite = true
		case "group":
			if strings.HasPrefix(val, "BUNDLE") {
				info.bundle = val
			}
		case "mid":
			info.mid = val
		case "rtcp-mux":
			info.rtcpMux = true
		case "crypto":
			info.crypto = true
		case "rtpmap":
			pt, c, ok := parseRTPMap(val)
			if ok {
				rtpmap[pt] = c
			}
		case "fmtp":
			ptText, params, ok := strings.Cut(val, " ")
			if pt, err := strconv.ParseUint(ptText, 10, 7); ok && err == nil {
				fmtp[uint8(pt)] = strings.TrimSpace(params)
			}
		}
	}
	if !seenAudio {
		return sdpInfo{}, fmt.Errorf("%w: no active audio section", ErrBadSDP)
	}
	info.dir = sessionDir
	if mediaDir != 255 {
		info.dir = mediaDir
	}
	for _, pt := range formats {
		c, ok := rtpmap[pt]
		if !ok {
			if c, ok = staticAudio[pt]; !ok {
				continue
			}
		}
		c.PT = pt
		c.Fmtp = fmtp[pt]
		info.codecs = append(info.codecs, c)
	}
	return info, nil
}

// parseRTPMap reads "<pt> <name>/<clock>[/<channels>]" (RFC 4566 §6).
func parseRTPMap(v string) (uint8, media.Codec, bool) {
	ptText, enc, ok := strings.Cut(v, " ")
	if !ok {
		return 0, media.Codec{}, false
	}
	pt, err := strconv.ParseUint(ptText, 10, 7)
	if err != nil {
		return 0, media.Codec{}, false
	}
	parts := strings.Split(strings.TrimSpace(enc), "/")
	if len(parts) < 2 || parts[0] == "" {
		return 0, media.Codec{}, false
	}
	clock, err := strconv.ParseUint(parts[1], 10, 32)
	if err != nil || clock == 0 {
		return 0, media.Codec{}, false
	}
	c := media.Codec{PT: uint8(pt), Name: parts[0], Clock: uint32(clock), Channels: 1}
	if len(parts) > 2 {
		ch, err := strconv.ParseUint(parts[2], 10, 16)
		if err != nil || ch == 0 {
			return 0, media.Codec{}, false
		}
		c.Channels = uint16(ch)
	}
	return uint8(pt), c, true
}

// filterCandidates removes the remote candidates an ICE-lite UDP4 server
// cannot use: TCP (RFC 6544), IPv6 and mDNS ".local" names. Nothing is
// lost: a lite agent never checks remote candidates, it learns the
// browser's address from its checks (RFC 8445 §7.3.1.3).
func filterCandidates(s string) string {
	lines := sdpLines(s)
	out := lines[:0]
	for _, l := range lines {
		if v, ok := strings.CutPrefix(l, "a=candidate:"); ok && !usableCandidate(v) {
			continue
		}
		out = append(out, l)
	}
	return joinSDP(out)
}

// usableCandidate reads "<foundation> <component> <transport> <priority>
// <address> <port> typ <type> ..." (RFC 8839 §5.1) and keeps UDP over
// IPv4 literal addresses.
func usableCandidate(v string) bool {
	f := strings.Fields(v)
	if len(f) < 6 || !strings.EqualFold(f[2], "udp") {
		return false
	}
	addr := f[4]
	if strings.HasSuffix(strings.ToLower(addr), ".local") || strings.Contains(addr, ":") {
		return false
	}
	return true
}

// withDirection returns s with the direction of its audio sections set to
// d: every a=sendrecv/sendonly/recvonly/inactive in a media section is
// replaced, and one is added where a section has none (RFC 3264 §5.1).
func withDirection(s string, d direction) string {
	lines := sdpLines(s)
	out := make([]string, 0, len(lines)+1)
	inAudio, have := false, false
	flush := func() {
		if inAudio && !have {
			out = append(out, "a="+d.String())
		}
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "m=") {
			flush()
			inAudio, have = strings.HasPrefix(l, "m=audio "), false
			out = append(out, l)
			continue
		}
		if inAudio {
			switch l {
			case "a=sendrecv", "a=sendonly", "a=recvonly", "a=inactive":
				if !have {
					out = append(out, "a="+d.String())
					have = true
				}
				continue
			}
		}
		out = append(out, l)
	}
	flush()
	return joinSDP(out)
}

// rtpCandidatesOnly drops candidates for component 2 (RTCP) from our own
// description: with rtcp-mux required they describe the same socket and
// are never used (RFC 5761 §5.1.3, RFC 8843 §7.2).
func rtpCandidatesOnly(s string) string {
	lines := sdpLines(s)
	out := lines[:0]
	for _, l := range lines {
		if v, ok := strings.CutPrefix(l, "a=candidate:"); ok {
			if f := strings.Fields(v); len(f) > 1 && f[1] != "1" {
				continue
			}
		}
		out = append(out, l)
	}
	return joinSDP(out)
}

// forPion prepares a browser description for pion: unusable candidates
// removed (filterCandidates) and an inactive audio section presented as
// sendrecv. pion stops a transceiver for good when a re-offer marks it
// inactive, as if the m-line were rejected, whereas RFC 3264 §8.4 makes
// inactive a hold that a later offer lifts. The real direction is kept by
// the leg, which sets its answers' direction and gates sending itself.
func forPion(s string, dir direction) string {
	s = filterCandidates(s)
	if dir == dirInactive {
		s = withDirection(s, dirSendrecv)
	}
	return s
}
