package trunk

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
)

// maxRoundTrips bounds the requests of one registration attempt
// (challenges from a registrar and a proxy, then 423).
const maxRoundTrips = 4

// registration keeps one trunk registered with its carrier (RFC 3261
// §10.2). The Call-ID, From tag and CSeq counter live for the Set's life
// (§10.2.4: a UA uses the same Call-ID for all registrations of a boot
// cycle, CSeq increasing). Only one goroutine at a time drives it: run,
// then unregister after run has returned.
type registration struct {
	t       *Trunk
	callID  string
	fromTag string
	cseq    uint32
	destIdx int
	expiry  time.Duration // requested; raised by 423 Interval Too Brief

	mu         sync.Mutex // guards the fields below
	st         RegStatus
	successes  int
	fails      int
	retryAfter time.Duration
}

func newRegistration(t *Trunk) *registration {
	return &registration{
		t:       t,
		callID:  newCallID(),
		fromTag: sip.GenerateTagN(16),
		expiry:  t.cfg.Register.Expiry,
		st:      RegStatus{Enabled: true, State: RegOff},
	}
}

func (r *registration) status() RegStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.st
}

// run registers, refreshes and retries until ctx ends.
func (r *registration) run(ctx context.Context) {
	r.mu.Lock()
	r.st.State = RegRegistering
	r.mu.Unlock()
	r.t.log.Info("trunk: registering", "expiry", r.expiry)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		granted, err := r.attempt(ctx, r.expiry)
		if ctx.Err() != nil {
			return
		}
		var wait time.Duration
		if err != nil {
			wait = r.failed(err)
		} else {
			wait = r.succeeded(granted)
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
	}
}

// attempt sends one REGISTER for expiry (zero removes our binding,
// RFC 3261 §10.2.2), answering challenges and 423, and returns the expiry
// the registrar granted.
func (r *registration) attempt(ctx context.Context, expiry time.Duration) (time.Duration, error) {
	t := r.t
	r.mu.Lock()
	r.retryAfter = 0
	r.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, t.cfg.Register.Timeout)
	defer cancel()
	dests, err := t.Destinations(ctx)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrRegister, err)
	}
	dest := dests[r.destIdx%len(dests)]
	host, port := t.local(dest)
	// RFC 3261 §10.2: To and From carry the address-of-record; the
	// Request-URI names the registrar's domain, without user part.
	aor := sip.Uri{Scheme: "sip", User: escapeUser(t.cfg.Username), Host: t.cfg.Domain}
	contact := sip.Uri{Scheme: "sip", User: escapeUser(t.cfg.Register.ContactUser), Host: host, Port: port,
		UriParams: sip.NewParams()}
	contact.UriParams.Add("transport", strings.ToLower(t.cfg.Transport))

	var challenge *sip.Response
	answered := map[int]int{}
	for range maxRoundTrips {
		r.cseq++
		exp := sip.ExpiresHeader(uint32(expiry / time.Second))
		req := t.build(outRequest{
			method:  sip.REGISTER,
			dest:    dest,
			ruri:    t.requestURI(""),
			from:    aor,
			fromTag: r.fromTag,
			to:      aor,
			callID:  r.callID,
			cseq:    r.cseq,
			contact: &sip.ContactHeader{Address: contact},
			extra:   []sip.Header{&exp},
		})
		if challenge != nil {
			if err := t.Authorize(req, challenge); err != nil {
				return 0, fmt.Errorf("%w: %w", ErrRegister, err)
			}
		}
		res, err := t.send(ctx, req)
		if err != nil {
			// Try the next destination next time (RFC 3263 §4.3).
			r.destIdx++
			if errors.Is(err, context.DeadlineExceeded) {
				err = fmt.Errorf("no answer within %v", t.cfg.Register.Timeout)
			}
			return 0, fmt.Errorf("%w: %s: %w", ErrRegister, dest, err)
		}
		switch code := res.StatusCode; {
		case code >= 200 && code < 300:
			if expiry == 0 {
				return 0, nil
			}
			g := grantedExpiry(res, contact, expiry)
			if g <= 0 {
				return 0, fmt.Errorf("%w: %s granted no lifetime", ErrRegister, dest)
			}
			return g, nil
		case code == sip.StatusUnauthorized || code == sip.StatusProxyAuthRequired:
			// RFC 3261 §22.2: answer a challenge once; a second one for the
			// same kind means the credentials were refused, unless it only
			// says the nonce went stale (RFC 7616 §3.3).
			if answered[code] > 0 && !(staleChallenge(res) && answered[code] < 2) {
				return 0, fmt.Errorf("%w: %s refused the credentials (%d)", ErrRegister, dest, code)
			}
			answered[code]++
			challenge = res
		case code == sip.StatusIntervalToBrief:
			// RFC 3261 §10.2.8: retry with at least Min-Expires.
			minExp := headerSeconds(res, "Min-Expires")
			if minExp <= expiry || expiry == 0 {
				return 0, fmt.Errorf("%w: %s answered 423 without a usable Min-Expires", ErrRegister, dest)
			}
			r.t.log.Info("trunk: registrar wants a longer expiry", "min_expires", minExp)
			expiry, r.expiry = minExp, minExp
		default:
			// RFC 3261 §20.33: Retry-After on 503 and other failures.
			r.mu.Lock()
			r.retryAfter = headerSeconds(res, "Retry-After")
			r.mu.Unlock()
			return 0, fmt.Errorf("%w: %s answered %d %s", ErrRegister, dest, code, cleanReason(res.Reason))
		}
	}
	return 0, fmt.Errorf("%w: %s: too many challenges", ErrRegister, dest)
}

// succeeded records a registration and returns the delay until the
// refresh: half the granted lifetime, at least one second.
func (r *registration) succeeded(granted time.Duration) time.Duration {
	r.mu.Lock()
	prev := r.st.State
	r.st.State = RegRegistered
	r.st.LastError = ""
	r.st.Expires = time.Now().Add(granted)
	if r.successes > 0 {
		r.st.Refreshes++
	}
	r.successes++
	r.fails = 0
	r.retryAfter = 0
	r.mu.Unlock()
	if prev != RegRegistered {
		r.t.log.Info("trunk: registered", "previous", prev, "expires", granted)
	} else {
		r.t.log.Debug("trunk: registration refreshed", "expires", granted)
	}
	return max(granted/2, time.Second)
}

// failed records a failure and returns the back-off: RetryMin doubling per
// consecutive failure up to RetryMax, ±20% jitter, and no less than a
// Retry-After the registrar asked for (capped by RetryMax).
func (r *registration) failed(err error) time.Duration {
	cfg := r.t.cfg.Register
	r.mu.Lock()
	prev := r.st.State
	r.st.State = RegFailing
	r.st.LastError = err.Error()
	r.fails++
	n := r.fails
	ra := r.retryAfter
	r.mu.Unlock()
	if prev != RegFailing {
		r.t.log.Warn("trunk: registration failing", "previous", prev, "error", err)
	} else {
		r.t.log.Debug("trunk: registration still failing", "error", err, "failures", n)
	}
	d := cfg.RetryMin
	for i := 1; i < n && d < cfg.RetryMax; i++ {
		d *= 2
	}
	d = time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
	d = max(d, ra)
	return min(max(d, cfg.RetryMin), cfg.RetryMax)
}

// unregister removes our binding if one may still be active. It runs after
// run has returned.
func (r *registration) unregister(ctx context.Context) error {
	r.mu.Lock()
	active := r.successes > 0 && time.Now().Before(r.st.Expires)
	r.mu.Unlock()
	if !active {
		r.setOff()
		return nil
	}
	_, err := r.attempt(ctx, 0)
	r.setOff()
	if err != nil {
		r.t.log.Warn("trunk: unregistration failed", "error", err)
		return fmt.Errorf("trunk %q: %w", r.t.cfg.Name, err)
	}
	r.t.log.Info("trunk: unregistered")
	return nil
}

func (r *registration) setOff() {
	r.mu.Lock()
	r.st.State = RegOff
	r.st.Expires = time.Time{}
	r.mu.Unlock()
}

// grantedExpiry reads the lifetime granted to our contact: its Contact
// ;expires= parameter, else the Expires header, else what was requested
// (RFC 3261 §10.2.4). The registrar's Contact list may hold other bindings
// of the AOR; ours is recognised by user, host and port, or is the only
// one.
func grantedExpiry(res *sip.Response, ours sip.Uri, requested time.Duration) time.Duration {
	contacts := res.GetHeaders("Contact")
	for _, h := range contacts {
		ch, ok := h.(*sip.ContactHeader)
		if !ok || (len(contacts) > 1 && !sameBinding(ch.Address, ours)) {
			continue
		}
		if v, ok := ch.Params.Get("expires"); ok {
			if n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32); err == nil {
				return time.Duration(n) * time.Second
			}
		}
	}
	if h := res.GetHeader("Expires"); h != nil {
		if n, err := strconv.ParseUint(strings.TrimSpace(h.Value()), 10, 32); err == nil {
			return time.Duration(n) * time.Second
		}
	}
	return requested
}

// sameBinding compares the parts of two contact URIs that identify our
// binding.
func sameBinding(a, b sip.Uri) bool {
	pa, pb := a.Port, b.Port
	if pa == 0 {
		pa = 5060
	}
	if pb == 0 {
		pb = 5060
	}
	return a.User == b.User && strings.EqualFold(strings.Trim(a.Host, "[]"), strings.Trim(b.Host, "[]")) && pa == pb
}

// headerSeconds reads a delta-seconds header value (Min-Expires,
// Retry-After: RFC 3261 §20.23, §20.33), ignoring comments and parameters.
func headerSeconds(res *sip.Response, name string) time.Duration {
	h := res.GetHeader(name)
	if h == nil {
		return 0
	}
	v := strings.TrimSpace(h.Value())
	end := 0
	for end < len(v) && end < 10 && v[end] >= '0' && v[end] <= '9' {
		end++
	}
	n, err := strconv.ParseUint(v[:end], 10, 32)
	if err != nil {
		return 0
	}
	return time.Duration(n) * time.Second
}

// staleChallenge reports whether res carries a challenge with stale=true.
func staleChallenge(res *sip.Response) bool {
	for _, name := range []string{"WWW-Authenticate", "Proxy-Authenticate"} {
		for _, h := range res.GetHeaders(name) {
			if c, err := parseChallenge(h.Value()); err == nil && c.stale {
				return true
			}
		}
	}
	return false
}

// cleanReason bounds a peer's reason phrase for logs.
func cleanReason(s string) string {
	s = strings.Map(func(r rune) rune {
		if isCTL(r) {
			return -1
		}
		return r
	}, s)
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}
