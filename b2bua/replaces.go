package b2bua

import (
	"fmt"
	"strings"
	"time"

	"github.com/callgate/callgate/media"
	"github.com/emiago/sipgo/sip"
)

// INVITE with Replaces (RFC 3891): a user's new INVITE names one of
// callgate's dialogs; the new caller takes that party's place in its call
// and the replaced party gets BYE (§3). callgate is the UA of each of its
// dialogs, so the Replaces names the dialog between callgate and the party
// to be replaced, with callgate's tag as one of the two. A phone replacing
// a browser party gets ports of its own (browsertransfer.go).

// parseReplaces reads a Replaces header: call-id;to-tag=..;from-tag=..
// (RFC 3891 §6.1).
func parseReplaces(v string) (callID, toTagV, fromTagV string, ok bool) {
	parts := strings.Split(v, ";")
	callID = strings.TrimSpace(parts[0])
	for _, p := range parts[1:] {
		k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "to-tag":
			toTagV = strings.TrimSpace(val)
		case "from-tag":
			fromTagV = strings.TrimSpace(val)
		}
	}
	return callID, toTagV, fromTagV, callID != "" && toTagV != "" && fromTagV != ""
}

// handleReplaces routes an authenticated INVITE with Replaces to the call
// that owns the replaced dialog: 481 when there is none (RFC 3891 §3).
func (s *Server) handleReplaces(req *sip.Request, tx sip.ServerTransaction, user string) error {
	callID, tt, ft, ok := parseReplaces(req.GetHeader("Replaces").Value())
	if !ok {
		return withStatus(400, "Bad Replaces", fmt.Errorf("%w: Replaces %q", ErrBadRequest, req.GetHeader("Replaces").Value()))
	}
	c := s.calls.lookup(callID, tt)
	if c == nil {
		c = s.calls.lookup(callID, ft)
	}
	if c == nil {
		return withStatus(481, "", fmt.Errorf("%w: Replaces names no dialog of ours", ErrNoDialog))
	}
	done := make(chan error, 1)
	if !c.post(func() { done <- c.replaceParty(req, tx, callID, user) }) {
		return withStatus(481, "", fmt.Errorf("%w: the replaced call ended", ErrNoDialog))
	}
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		return withStatus(500, "", fmt.Errorf("%w: call did not answer", ErrCallFailed))
	}
}

// replaceParty puts the new caller in the place of the party whose dialog
// is callID; it runs on the call's goroutine.
func (c *call) replaceParty(req *sip.Request, tx sip.ServerTransaction, callID, user string) error {
	if c.state != stateAnswered || c.xfer != nil || c.pending != nil {
		// RFC 3891 §3: only confirmed dialogs are replaced here.
		return withStatus(486, "Busy Here", fmt.Errorf("%w: call not in a state to replace a party", ErrCallFailed))
	}
	old := c.caller
	if c.callee != nil && c.callee.callID == callID {
		old = c.callee
	} else if c.caller.callID != callID {
		return withStatus(481, "", ErrNoDialog)
	}
	var answer []byte
	var moveMedia func()
	var err error
	if c.browserLegOf(old) != nil {
		answer, err = c.replaceBrowserMedia(old, req.Body())
	} else {
		answer, moveMedia, err = c.replacePhoneMedia(old, req.Body())
	}
	if err != nil {
		return err
	}

	nl := c.s.callerLeg(req)
	nl.name = old.name
	nl.lastSDP = answer
	c.keys = append(c.keys, dialogKey(nl.callID, nl.localTag))
	c.s.calls.bind(nl.callID, nl.localTag, c)
	res := sip.NewResponseFromRequest(req, 200, "OK", nil)
	res.To().Params.Add("tag", nl.localTag)
	res.AppendHeader(&sip.ContactHeader{Address: nl.contact})
	res.AppendHeader(sip.NewHeader("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE"))
	res.AppendHeader(sip.NewHeader("Server", c.s.cfg.ServerName))
	res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	res.SetBody(answer)
	if moveMedia != nil {
		moveMedia()
	}
	c.retapRecording()
	if old.st != nil && old.st.timer != nil {
		old.st.timer.Stop()
	}
	if old == c.caller {
		c.caller = nl
	} else {
		c.callee = nl
	}
	c.released = old
	c.s.send(req, tx, res)
	c.sendBye(old)
	c.log.Info("party replaced (RFC 3891)", "by", user, "new_call_id", nl.callID, "replaced_call_id", callID)
	return nil
}

// replacePhoneMedia answers the offer of the phone that takes phone party
// old's place: the ports and format stay, and moveMedia points them at
// the new phone once it was answered.
func (c *call) replacePhoneMedia(old *leg, offer []byte) (answer []byte, moveMedia func(), err error) {
	if c.relay == nil && c.bridge == nil {
		return nil, nil, withStatus(488, "", fmt.Errorf("%w: no media to give the new party", ErrMedia))
	}
	side, pair := media.LegA, c.pairA
	if old == c.callee {
		side, pair = media.LegB, c.pairB
	}
	// The codec the call uses stays: the new party must take it.
	answer, _, remote, err := c.answerInFormat(old, offer, c.currentCodecs(old), pair.Port)
	if err != nil {
		return nil, nil, err
	}
	return answer, func() {
		if c.relay != nil {
			c.relay.SetRemote(side, remote.RTP, remote.RTCP)
		} else {
			c.movePhone(remote)
		}
	}, nil
}

// answerInFormat answers the offer of a phone taking party old's place
// with the call's current format (RFC 3264 §6.1: a subset of the offer)
// on port, or refuses it with 488. It returns the answer, the chosen
// formats and where the phone wants its media.
func (c *call) answerInFormat(old *leg, offer []byte, current []media.Codec, port int) ([]byte, []media.Codec, media.Remote, error) {
	offered, dir, err := media.ParseCodecs(offer)
	if err != nil || len(current) == 0 {
		return nil, nil, media.Remote{}, withStatus(488, "", fmt.Errorf("%w: offer: %v", ErrMedia, err))
	}
	audio, dtmf, err := media.SelectAnswer(offered, current)
	if err != nil {
		return nil, nil, media.Remote{}, withStatus(488, "", fmt.Errorf("%w: %w", ErrMedia, err))
	}
	remote, err := phoneRemote(offer)
	if err != nil {
		return nil, nil, media.Remote{}, withStatus(488, "", fmt.Errorf("%w: %w", ErrMedia, err))
	}
	origin := &c.originA
	if old == c.callee {
		origin = &c.originB
	}
	codecs := append([]media.Codec{audio}, optCodec(dtmf)...)
	return media.BuildSIPSDP(c.s.cfg.Media.AdvertiseIP, port, codecs, media.AnswerDirection(dir), origin), codecs, remote, nil
}

// currentCodecs are the codecs the call's media uses on the side of
// party l: what that party last agreed with callgate.
func (c *call) currentCodecs(l *leg) []media.Codec {
	if c.bridge != nil && len(c.phoneSide) > 0 {
		return c.phoneSide
	}
	codecs, _, err := media.ParseCodecs(l.lastSDP)
	if err != nil {
		return nil
	}
	return codecs
}
