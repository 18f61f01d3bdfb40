package trunk

import (
	"strings"

	"github.com/emiago/sipgo/sip"
)

// Anonymous identity of RFC 3323 §4.1.1.3.
const (
	anonymousUser    = "anonymous"
	anonymousHost    = "anonymous.invalid"
	anonymousDisplay = "Anonymous"
)

// CallerID applies the trunk's caller-ID policy to a caller with user
// (number or user name) and display name, returning the From user,
// display name and host for the INVITE toward the carrier, and extra
// headers to add:
//
//   - FromUser/FromDisplay replace the caller's own values when set; the
//     host is the trunk's Domain;
//   - with AssertedIdentity, P-Asserted-Identity carries the true identity
//     (AssertedUser, else the From user) at Domain (RFC 3325 §9.1);
//   - with Privacy, a Privacy header is added (RFC 3323 §4.2); when it
//     contains "id" or "user" the From header becomes "Anonymous"
//     <sip:anonymous@anonymous.invalid> (RFC 3323 §4.1.1.3), while
//     P-Asserted-Identity still names the caller for the carrier, which is
//     asked by "id" to withhold it (RFC 3325 §9.3).
//
// The display name returned has quotes, backslashes and control characters
// removed, so it can be written inside a quoted display name as is.
func (t *Trunk) CallerID(user, display string) (fromUser, fromDisplay, fromHost string, extra []sip.Header) {
	p := t.cfg.CallerID
	fromUser, fromDisplay, fromHost = user, cleanDisplay(display), t.cfg.Domain
	if p.FromUser != "" {
		fromUser = p.FromUser
	}
	if p.FromDisplay != "" {
		fromDisplay = cleanDisplay(p.FromDisplay)
	}
	if p.AssertedIdentity {
		who := p.AssertedUser
		if who == "" {
			who = fromUser
		}
		if who != "" {
			uri := sip.Uri{Scheme: "sip", User: escapeUser(who), Host: t.cfg.Domain}
			v := "<" + uri.String() + ">"
			if fromDisplay != "" {
				v = `"` + fromDisplay + `" ` + v
			}
			extra = append(extra, sip.NewHeader("P-Asserted-Identity", v))
		}
	}
	if p.Privacy != "" {
		extra = append(extra, sip.NewHeader("Privacy", p.Privacy))
	}
	if t.anonymous {
		fromUser, fromDisplay, fromHost = anonymousUser, anonymousDisplay, anonymousHost
	}
	return fromUser, fromDisplay, fromHost, extra
}

// cleanDisplay drops characters that cannot appear unescaped in a quoted
// display name (RFC 3261 §25.1 qdtext).
func cleanDisplay(s string) string {
	if !strings.ContainsFunc(s, badDisplayRune) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if badDisplayRune(r) {
			return -1
		}
		return r
	}, s)
}

func badDisplayRune(r rune) bool { return r == '"' || r == '\\' || isCTL(r) }

// escapeUser percent-encodes characters not allowed unescaped in the user
// part of a SIP URI (RFC 3261 §25.1 user, §19.1.2).
func escapeUser(s string) string {
	if validUser(s) {
		return s
	}
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s) && i < 256; i++ {
		if validUser(s[i : i+1]) {
			b.WriteByte(s[i])
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[s[i]>>4])
		b.WriteByte(hexDigits[s[i]&15])
	}
	return b.String()
}
