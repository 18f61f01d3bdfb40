package b2bua

import (
	"errors"
	"log/slog"

	"github.com/emiago/sipgo/sip"
)

// reply sends a final or provisional response built from req, adding the
// Server header (RFC 3261 §20.35) and any extra headers.
func (s *Server) reply(req *sip.Request, tx sip.ServerTransaction, code int, reason string, hdrs ...sip.Header) {
	res := sip.NewResponseFromRequest(req, code, reason, nil)
	res.AppendHeader(sip.NewHeader("Server", s.cfg.ServerName))
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	s.send(req, tx, res)
}

// send writes res on the request's transaction and logs a failure.
func (s *Server) send(req *sip.Request, tx sip.ServerTransaction, res *sip.Response) {
	if err := tx.Respond(res); err != nil {
		s.log.Warn("sending response failed", "method", string(req.Method), "call_id", callID(req),
			"status", res.StatusCode, "source", req.Source(), "error", err)
	}
}

// replyErr renders err as its SIP status: the one place where errors become
// wire responses. 5xx errors are logged at Error, the rest at Info.
func (s *Server) replyErr(req *sip.Request, tx sip.ServerTransaction, err error) {
	code, reason, hdrs := statusOf(err)
	level := slog.LevelInfo
	switch {
	case code >= 500:
		level = slog.LevelError
	case (code == 401 || code == 407) && errors.Is(err, ErrNoCredentials):
		// A challenge is the normal first step of every REGISTER and call.
		level = slog.LevelDebug
	}
	if s.routing().cfg.SilentRefusal && code == 403 && (errors.Is(err, ErrBanned) || errors.Is(err, ErrAuthFailed)) {
		// Neither a trunk nor an authenticated user: say nothing at all.
		s.log.Info("request dropped", "method", string(req.Method), "call_id", callID(req),
			"source", req.Source(), "transport", req.Transport(), "error", err)
		return
	}
	s.log.Log(s.ctx, level, "request refused", "method", string(req.Method), "call_id", callID(req),
		"status", code, "source", req.Source(), "transport", req.Transport(), "error", err)
	s.reply(req, tx, code, reason, hdrs...)
}

// callID returns the request's Call-ID value or "".
func callID(req *sip.Request) string {
	if h := req.CallID(); h != nil {
		return h.Value()
	}
	return ""
}
