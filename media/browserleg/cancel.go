package browserleg

import "strings"

// pion v4 has no JSEP rollback (RFC 8829 §4.1.10.2): once a local offer is
// set, it accepts nothing but an answer. A re-offer the browser rejected is
// therefore closed with an answer built here, on the browser's behalf,
// that repeats what the browser last agreed to: its ICE credentials,
// fingerprint, DTLS role, SSRCs and direction, and our own formats. Nothing
// changes on the wire; pion returns to the stable state.

// dropInAnswer lists the attributes of our offer that the browser's side of
// the answer replaces.
var dropInAnswer = map[string]bool{
	"candidate": true, "end-of-candidates": true, "ice-lite": true, "ice-ufrag": true,
	"ice-pwd": true, "ice-options": true, "fingerprint": true, "setup": true,
	"ssrc": true, "ssrc-group": true, "msid": true,
	"sendrecv": true, "sendonly": true, "recvonly": true, "inactive": true,
}

// standInAnswer builds that answer from our pending offer and the browser's
// current description. browserSetup is the browser's established role
// ("active" or "passive", RFC 4145 §4).
func standInAnswer(offer, browser, browserSetup string) (string, error) {
	info, err := parseSDP(browser)
	if err != nil {
		return "", err
	}
	var theirs []string // the browser's SSRC and msid lines
	inAudio := false
	for _, l := range sdpLines(browser) {
		if strings.HasPrefix(l, "m=") {
			inAudio = strings.HasPrefix(l, "m=audio ")
			continue
		}
		if inAudio && (strings.HasPrefix(l, "a=ssrc:") || strings.HasPrefix(l, "a=ssrc-group:") || strings.HasPrefix(l, "a=msid:")) {
			theirs = append(theirs, l)
		}
	}
	var out []string
	for _, l := range sdpLines(offer) {
		if v, ok := strings.CutPrefix(l, "a="); ok {
			key, _, _ := strings.Cut(v, ":")
			if dropInAnswer[key] {
				continue
			}
		}
		out = append(out, l)
		if strings.HasPrefix(l, "m=audio ") {
			out = append(out,
				"a=ice-ufrag:"+info.ufrag,
				"a=ice-pwd:"+info.pwd,
				"a=fingerprint:"+info.fingerprint,
				"a=setup:"+browserSetup,
				"a="+info.dir.String())
			out = append(out, theirs...)
		}
	}
	return joinSDP(out), nil
}
