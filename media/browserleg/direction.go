package browserleg

import "fmt"

// direction is a media direction attribute (RFC 4566 §6, RFC 3264 §5.1)
// seen from one side: bit 0 = it sends, bit 1 = it receives.
type direction uint8

const (
	dirInactive direction = 0
	dirSendonly direction = 1
	dirRecvonly direction = 2
	dirSendrecv direction = 3
)

// parseDirection reads "sendrecv", "sendonly", "recvonly" or "inactive".
func parseDirection(s string) (direction, error) {
	switch s {
	case "sendrecv":
		return dirSendrecv, nil
	case "sendonly":
		return dirSendonly, nil
	case "recvonly":
		return dirRecvonly, nil
	case "inactive":
		return dirInactive, nil
	}
	return 0, fmt.Errorf("%w: %q", ErrBadDirection, s)
}

// String returns the SDP attribute name.
func (d direction) String() string {
	switch d & dirSendrecv {
	case dirSendonly:
		return "sendonly"
	case dirRecvonly:
		return "recvonly"
	case dirInactive:
		return "inactive"
	}
	return "sendrecv"
}

// sends reports whether the side may send media.
func (d direction) sends() bool { return d&dirSendonly != 0 }

// reverse returns the direction as seen from the other side: the peer's
// sendonly is our recvonly (RFC 3264 §6.1).
func (d direction) reverse() direction {
	return (d&dirSendonly)<<1 | (d&dirRecvonly)>>1
}
