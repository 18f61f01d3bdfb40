package b2bua

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
)

// sessionTimer is one leg's session timer (RFC 4028), negotiated on that
// leg alone: on the caller's dialog from its INVITE and our 2xx, on the
// callee's from our INVITE and its 2xx. The refresher sends a refresh every
// half interval (§10); the other side ends the session when none arrives
// in time (§10: BYE at interval minus min(32 s, interval/3)).
type sessionTimer struct {
	interval  time.Duration
	weRefresh bool
	timer     *time.Timer
}

// parseSessionExpires reads "delta-seconds *(;param)" (RFC 4028 §4) and
// its refresher parameter ("uac", "uas" or "").
func parseSessionExpires(v string) (time.Duration, string, bool) {
	parts := strings.Split(v, ";")
	n, err := strconv.ParseUint(strings.TrimSpace(parts[0]), 10, 32)
	if err != nil || n == 0 {
		return 0, "", false
	}
	refresher := ""
	for _, p := range parts[1:] {
		k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(strings.TrimSpace(k), "refresher") {
			refresher = strings.ToLower(strings.TrimSpace(val))
		}
	}
	return time.Duration(n) * time.Second, refresher, true
}

// sessionExpiresOf returns a message's Session-Expires (or its compact
// form "x", RFC 4028 §4).
func sessionExpiresOf(m interface{ GetHeader(string) sip.Header }) (time.Duration, string, bool) {
	h := m.GetHeader("Session-Expires")
	if h == nil {
		h = m.GetHeader("x")
	}
	if h == nil {
		return 0, "", false
	}
	return parseSessionExpires(h.Value())
}

// minSEOf returns a message's Min-SE (RFC 4028 §5), 0 when absent.
func minSEOf(m interface{ GetHeader(string) sip.Header }) time.Duration {
	h := m.GetHeader("Min-SE")
	if h == nil {
		return 0
	}
	d, _, ok := parseSessionExpires(h.Value())
	if !ok {
		return 0
	}
	return d
}

// supportsTimer reports whether a message lists the "timer" option tag in
// Supported or Require (RFC 4028 §3).
func supportsTimer(m interface{ GetHeaders(string) []sip.Header }) bool {
	for _, name := range []string{"Supported", "k", "Require"} {
		for _, h := range m.GetHeaders(name) {
			for _, tag := range strings.Split(h.Value(), ",") {
				if strings.EqualFold(strings.TrimSpace(tag), "timer") {
					return true
				}
			}
		}
	}
	return false
}

// seconds renders a duration as delta-seconds.
func seconds(d time.Duration) string { return strconv.Itoa(int(d / time.Second)) }

// checkSessionInterval refuses an INVITE whose Session-Expires is below
// our minimum with 422 and Min-SE (RFC 4028 §8.1).
func (s *Server) checkSessionInterval(req *sip.Request) error {
	se, _, ok := sessionExpiresOf(req)
	if !ok || se >= s.cfg.Calls.MinSE {
		return nil
	}
	return withStatus(422, "Session Interval Too Small", fmt.Errorf("%w: Session-Expires %s below %s", ErrBadRequest, seconds(se), seconds(s.cfg.Calls.MinSE)),
		sip.NewHeader("Min-SE", seconds(s.cfg.Calls.MinSE)))
}

// callerSessionHeaders decides the caller leg's session timer from its
// INVITE (RFC 4028 §9): the caller's interval, its choice of refresher, or
// the caller itself when it supports timers and us otherwise. It returns
// the headers for our 2xx; none when the caller asked for no timer.
func (c *call) callerSessionHeaders() []sip.Header {
	se, refresher, ok := sessionExpiresOf(c.invite)
	if !ok {
		return nil
	}
	se = max(se, c.s.cfg.Calls.MinSE)
	uacSupports := supportsTimer(c.invite)
	if refresher == "" || (refresher == "uac" && !uacSupports) {
		refresher = "uas"
		if uacSupports {
			refresher = "uac"
		}
	}
	c.caller.st = &sessionTimer{interval: se, weRefresh: refresher == "uas"}
	hdrs := []sip.Header{sip.NewHeader("Session-Expires", seconds(se)+";refresher="+refresher)}
	if refresher == "uac" {
		// RFC 4028 §9: the UAC must know it is to refresh.
		hdrs = append(hdrs, sip.NewHeader("Require", "timer"))
	}
	return hdrs
}

// requestSessionTimer asks a callee for a session timer (RFC 4028 §7.1).
// Browsers are not asked: their WebSocket tells when they are gone.
func (c *call) requestSessionTimer(req *sip.Request, interval time.Duration) {
	if c.s.cfg.Calls.SessionExpires <= 0 {
		return
	}
	req.RemoveHeader("Session-Expires")
	req.RemoveHeader("Min-SE")
	req.AppendHeader(sip.NewHeader("Supported", "timer"))
	req.AppendHeader(sip.NewHeader("Session-Expires", seconds(interval)))
	req.AppendHeader(sip.NewHeader("Min-SE", seconds(c.s.cfg.Calls.MinSE)))
}

// calleeSessionTimer takes the callee leg's timer from its 2xx: whoever
// the 2xx names refreshes; without Session-Expires there is no timer
// (RFC 4028 §7.2).
func (c *call) calleeSessionTimer(l *leg, res *sip.Response) {
	se, refresher, ok := sessionExpiresOf(res)
	if !ok {
		return
	}
	l.st = &sessionTimer{interval: se, weRefresh: refresher != "uas"}
}

// startSessionTimer arms leg l's timer: a refresh at half the interval
// when we refresh, else the deadline for the peer's refresh.
func (c *call) startSessionTimer(l *leg) {
	if l == nil || l.st == nil {
		return
	}
	st := l.st
	if st.timer != nil {
		st.timer.Stop()
	}
	if st.weRefresh {
		st.timer = c.after(st.interval/2, func() { c.refreshSession(l) })
		return
	}
	// RFC 4028 §10: the side that does not refresh sends BYE shortly before
	// the session would expire.
	wait := st.interval - min(32*time.Second, st.interval/3)
	st.timer = c.after(wait, func() { c.sessionExpired(l) })
}

// touchSession restarts leg l's expiry: the peer refreshed the session
// with a re-INVITE or UPDATE (RFC 4028 §10).
func (c *call) touchSession(l *leg, req *sip.Request) {
	if l == nil || l.st == nil {
		return
	}
	if se, refresher, ok := sessionExpiresOf(req); ok {
		l.st.interval = max(se, c.s.cfg.Calls.MinSE)
		l.st.weRefresh = refresher == "uas"
	}
	c.startSessionTimer(l)
}

// refreshHeaders are added to our 2xx to a peer's refresh.
func (c *call) refreshHeaders(l *leg) []sip.Header {
	if l == nil || l.st == nil {
		return nil
	}
	r := "uac"
	if l.st.weRefresh {
		r = "uas"
	}
	return []sip.Header{sip.NewHeader("Session-Expires", seconds(l.st.interval)+";refresher="+r), sip.NewHeader("Require", "timer")}
}

// refreshSession sends our refresh on leg l: UPDATE without a body when
// the peer takes UPDATE (RFC 4028 §7.4 prefers it), else a re-INVITE with
// the SDP we last sent on that leg.
func (c *call) refreshSession(l *leg) {
	if c.state != stateAnswered || l.st == nil {
		return
	}
	method := sip.UPDATE
	if l.noUpdate {
		method = sip.INVITE
	}
	if method == sip.INVITE && (len(l.lastSDP) == 0 || c.pending != nil) {
		// Nothing to offer, or an offer in flight counts as activity:
		// try again shortly.
		l.st.timer = c.after(time.Second, func() { c.refreshSession(l) })
		return
	}
	req := c.s.newRequest(l, method, l.nextSeq())
	req.AppendHeader(c.s.via(l))
	req.AppendHeader(sip.NewHeader("Supported", "timer"))
	req.AppendHeader(sip.NewHeader("Session-Expires", seconds(l.st.interval)+";refresher=uac"))
	if method == sip.INVITE {
		req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		req.SetBody(l.lastSDP)
	} else {
		req.SetBody(nil)
	}
	c.log.Debug("refreshing the session", "leg", l.name, "method", string(method), "interval", l.st.interval.String())
	tx, err := c.s.client.TransactionRequest(c.ctx, req, keep)
	if err != nil {
		c.log.Warn("session refresh not sent", "leg", l.name, "error", err)
		c.startSessionTimer(l)
		return
	}
	c.awaitAnswer(tx, nil, func(res *sip.Response) { c.onRefreshAnswer(l, req, res) })
}

// onRefreshAnswer handles the answer to our refresh.
func (c *call) onRefreshAnswer(l *leg, req *sip.Request, res *sip.Response) {
	if c.state != stateAnswered || l.st == nil {
		return
	}
	switch {
	case res == nil || res.StatusCode == 408 || res.StatusCode == 481:
		// RFC 5057 §5.1: no answer or no dialog: the session is gone.
		c.log.Info("session refresh failed; ending the call", "leg", l.name, "status", statusText(res))
		c.hangup(fmt.Errorf("%w: refresh on the %s leg: %s", ErrSessionExpired, l.name, statusText(res)))
		return
	case res.StatusCode == 422:
		// RFC 4028 §7.4: retry with at least the peer's minimum.
		if m := minSEOf(res); m > l.st.interval {
			l.st.interval = m
		}
		c.refreshSession(l)
		return
	case res.StatusCode < 300:
		if req.Method == sip.INVITE {
			c.sendAck(l, req.CSeq().SeqNo, nil)
		}
		if se, refresher, ok := sessionExpiresOf(res); ok {
			l.st.interval, l.st.weRefresh = se, refresher != "uas"
		}
	default:
		c.log.Warn("session refresh refused", "leg", l.name, "status", res.StatusCode)
	}
	c.startSessionTimer(l)
}

// sessionExpired ends a call whose peer stopped refreshing (RFC 4028 §10).
func (c *call) sessionExpired(l *leg) {
	if c.state != stateAnswered {
		return
	}
	c.log.Info("session expired: no refresh from the peer", "leg", l.name, "interval", l.st.interval.String())
	c.hangup(fmt.Errorf("%w: no refresh on the %s leg within %s", ErrSessionExpired, l.name, l.st.interval))
}

// stopSessionTimers stops both legs' timers.
func (c *call) stopSessionTimers() {
	for _, l := range []*leg{c.caller, c.callee} {
		if l != nil && l.st != nil && l.st.timer != nil {
			l.st.timer.Stop()
		}
	}
}

// statusText renders a response's status for logs, "no answer" for nil.
func statusText(res *sip.Response) string {
	if res == nil {
		return "no answer"
	}
	return strconv.Itoa(res.StatusCode)
}
