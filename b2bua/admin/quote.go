package admin

import "strconv"

// maxEcho caps how much of a client-supplied identifier is echoed back in
// an error message.
const maxEcho = 64

// quote renders a client-supplied identifier for an error message: quoted,
// escaped and truncated.
func quote(s string) string {
	if len(s) > maxEcho {
		s = s[:maxEcho] + "..."
	}
	return strconv.Quote(s)
}
