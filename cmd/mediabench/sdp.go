package main

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// sdpAudio is what the phone needs from an offer: where to send audio and
// the payload type numbers of PCMU and telephone-event/8000.
type sdpAudio struct {
	dst    netip.AddrPort
	pcmu   int // -1 when not offered
	dtmf8k int // -1 when not offered
}

// parseSDPAudio reads the session or media c= line (RFC 8866 §5.7, the
// media-level one wins) and the first m=audio line (§5.14) of an offer,
// with its rtpmap attributes (§6.6).
func parseSDPAudio(body string) (sdpAudio, error) {
	a := sdpAudio{pcmu: -1, dtmf8k: -1}
	var sessAddr, mediaAddr string
	port := -1
	inAudio := false
	var fmts []string
	maps := map[string]string{}
	for _, l := range strings.Split(body, "\n") {
		l = strings.TrimRight(l, "\r")
		switch {
		case strings.HasPrefix(l, "m="):
			if port >= 0 {
				inAudio = false
				continue
			}
			f := strings.Fields(l[2:])
			inAudio = len(f) >= 4 && f[0] == "audio"
			if inAudio {
				p, err := strconv.Atoi(f[1])
				if err != nil {
					return a, fmt.Errorf("%w: bad port in %q", errSDP, l)
				}
				port, fmts = p, f[3:]
			}
		case strings.HasPrefix(l, "c=IN IP4 "):
			addr := strings.TrimSpace(strings.TrimPrefix(l, "c=IN IP4 "))
			if i := strings.IndexByte(addr, '/'); i >= 0 {
				addr = addr[:i]
			}
			if port < 0 {
				sessAddr = addr
			} else if inAudio {
				mediaAddr = addr
			}
		case inAudio && strings.HasPrefix(l, "a=rtpmap:"):
			pt, enc, ok := strings.Cut(strings.TrimPrefix(l, "a=rtpmap:"), " ")
			if ok {
				maps[pt] = strings.ToLower(strings.TrimSpace(enc))
			}
		}
	}
	if mediaAddr == "" {
		mediaAddr = sessAddr
	}
	if port <= 0 || mediaAddr == "" {
		return a, errSDP
	}
	ip, err := netip.ParseAddr(mediaAddr)
	if err != nil {
		return a, fmt.Errorf("%w: bad address %q", errSDP, mediaAddr)
	}
	a.dst = netip.AddrPortFrom(ip, uint16(port))
	for _, f := range fmts {
		pt, err := strconv.Atoi(f)
		if err != nil {
			continue
		}
		enc := maps[f]
		switch {
		case enc == "pcmu/8000" || (enc == "" && pt == pcmuPT):
			if a.pcmu < 0 {
				a.pcmu = pt
			}
		case enc == "telephone-event/8000":
			if a.dtmf8k < 0 {
				a.dtmf8k = pt
			}
		}
	}
	return a, nil
}

// phoneAnswerSDP is the phone's answer: PCMU (and telephone-event when
// offered) on port, with the offer's payload type numbers (RFC 3264 §6.1).
func phoneAnswerSDP(port int, offer sdpAudio, version int) string {
	pt := pcmuPT
	if offer.pcmu >= 0 {
		pt = offer.pcmu
	}
	var b strings.Builder
	fmt.Fprintf(&b, "v=0\r\no=mbphone %d %d IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n", version, version)
	if offer.dtmf8k >= 0 {
		fmt.Fprintf(&b, "m=audio %d RTP/AVP %d %d\r\na=rtpmap:%d PCMU/8000\r\na=rtpmap:%d telephone-event/8000\r\na=fmtp:%d 0-16\r\n",
			port, pt, offer.dtmf8k, pt, offer.dtmf8k, offer.dtmf8k)
	} else {
		fmt.Fprintf(&b, "m=audio %d RTP/AVP %d\r\na=rtpmap:%d PCMU/8000\r\n", port, pt, pt)
	}
	b.WriteString("a=ptime:20\r\na=sendrecv\r\n")
	return b.String()
}
