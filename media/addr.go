package media

import "net/netip"

// unmapAddrPort turns an IPv4-mapped IPv6 source (as seen on dual-stack
// sockets) into plain IPv4 so it compares equal to signalled addresses.
func unmapAddrPort(ap netip.AddrPort) netip.AddrPort {
	if a := ap.Addr(); a.Is4In6() {
		return netip.AddrPortFrom(a.Unmap(), ap.Port())
	}
	return ap
}
