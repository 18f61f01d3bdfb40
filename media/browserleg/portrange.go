package browserleg

import (
	"fmt"
	"math/rand/v2"
	"net"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
)

// sharedBuffer is the kernel buffer asked for on the shared socket: every
// browser's packets queue on it, and the 208 KiB default holds only ~20 ms
// of 500 calls' packets, so a pause of its reader drops audio.
const sharedBuffer = 4 << 20

// sharedConn returns the socket all legs share, or nil in port-range mode.
func (e *Engine) sharedConn() (net.PacketConn, error) {
	if e.cfg.portRange() {
		return nil, nil
	}
	conn := e.cfg.UDPConn
	if conn == nil {
		uc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4zero})
		if err != nil {
			return nil, fmt.Errorf("%w: listen: %w", ErrInvalidConfig, err)
		}
		conn = uc
	}
	if uc, ok := conn.(*net.UDPConn); ok {
		// Best effort: the kernel caps it at net.core.rmem_max/wmem_max.
		_ = uc.SetReadBuffer(sharedBuffer)
		_ = uc.SetWriteBuffer(sharedBuffer)
	}
	return conn, nil
}

// legMux gives a leg its own socket from the port range, behind a mux of
// its own so the leg works exactly as in shared-socket mode, the SRTP fast
// path included (media is the wrapped socket, nil when the fast path is
// off). It returns a nil mux when the legs share the engine's socket.
func (e *Engine) legMux(l *Leg) (mux ice.UDPMux, media *mediaConn, err error) {
	if !e.cfg.portRange() {
		return nil, nil, nil
	}
	conn, err := e.listenInRange()
	if err != nil {
		return nil, nil, err
	}
	l.log.Debug("browserleg: own port", "addr", conn.LocalAddr())
	var pc net.PacketConn = conn
	if !e.cfg.DisableFastPath {
		media = newMediaConn(conn)
		pc = media
	}
	return webrtc.NewICEUDPMux(pionLogs{log: l.log}.NewLogger("udpmux"), pc), media, nil
}

// listenInRange binds a UDP socket on a free port of the range, starting
// at a random one so consecutive calls do not reuse a port at once.
func (e *Engine) listenInRange() (*net.UDPConn, error) {
	lo, hi := e.cfg.PortMin, e.cfg.PortMax
	n := hi - lo + 1
	start := rand.IntN(n)
	ip := e.cfg.BindIP.Unmap().AsSlice()
	for i := range n {
		port := lo + (start+i)%n
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: ip, Port: port})
		if err == nil {
			return c, nil
		}
	}
	return nil, fmt.Errorf("%w: ports %d-%d", ErrNoPort, lo, hi)
}
