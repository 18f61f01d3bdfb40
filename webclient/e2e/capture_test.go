package e2e

import (
	"encoding/binary"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// rtpPacket is one RTP packet seen on the phone's interface.
type rtpPacket struct {
	at      time.Time
	out     bool // sent by the phone (else received)
	pt      uint8
	payload []byte
}

// rtpTap watches the phone's eth0 with a packet socket and keeps the
// G.711 RTP packets (payload types 0 and 8) to or from the phone's RTP
// ports: the check of audio that baresip's recorder can't give after a
// re-INVITE.
type rtpTap struct {
	fd      int
	phoneIP net.IP
	ports   [2]int // the phone's RTP port range

	stopped atomic.Bool
	done    chan struct{}
	mu      sync.Mutex
	pkts    []rtpPacket
}

// startRTPTap opens the packet socket inside namespace ns. Close stops it.
func startRTPTap(ns, phoneIP string, portMin, portMax int) (*rtpTap, error) {
	tap := &rtpTap{fd: -1, phoneIP: net.ParseIP(phoneIP).To4(), ports: [2]int{portMin, portMax}, done: make(chan struct{})}
	err := inNetns(ns, func() error {
		ifi, err := net.InterfaceByName("eth0")
		if err != nil {
			return err
		}
		// ETH_P_ALL: only "all protocols" sockets see outgoing packets too.
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
		if err != nil {
			return fmt.Errorf("packet socket: %w", err)
		}
		if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
			_ = unix.Close(fd)
			return fmt.Errorf("bind packet socket: %w", err)
		}
		// A read timeout lets the loop notice Close.
		tv := unix.NsecToTimeval((100 * time.Millisecond).Nanoseconds())
		if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
			_ = unix.Close(fd)
			return err
		}
		tap.fd = fd
		return nil
	})
	if err != nil {
		return nil, err
	}
	go tap.loop()
	return tap, nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func (tap *rtpTap) loop() {
	defer close(tap.done)
	buf := make([]byte, 65536)
	for !tap.stopped.Load() {
		n, from, err := unix.Recvfrom(tap.fd, buf, 0)
		if err != nil {
			if err == syscall.EAGAIN || err == syscall.EINTR {
				continue
			}
			return
		}
		if ll, ok := from.(*unix.SockaddrLinklayer); !ok || ll.Protocol != htons(unix.ETH_P_IP) {
			continue
		}
		if p, ok := tap.parse(buf[:n]); ok {
			tap.mu.Lock()
			tap.pkts = append(tap.pkts, p)
			tap.mu.Unlock()
		}
	}
}

// parse picks G.711 RTP out of an IPv4 packet.
func (tap *rtpTap) parse(b []byte) (rtpPacket, bool) {
	if len(b) < 20 || b[0]>>4 != 4 || b[9] != syscall.IPPROTO_UDP {
		return rtpPacket{}, false
	}
	ihl := int(b[0]&0x0f) * 4
	if len(b) < ihl+8+12 {
		return rtpPacket{}, false
	}
	src, dst := net.IP(b[12:16]), net.IP(b[16:20])
	udp := b[ihl:]
	sport, dport := int(binary.BigEndian.Uint16(udp[0:])), int(binary.BigEndian.Uint16(udp[2:]))
	rtp := udp[8:]
	var out bool
	switch {
	case src.Equal(tap.phoneIP) && tap.inRange(sport):
		out = true
	case dst.Equal(tap.phoneIP) && tap.inRange(dport):
	default:
		return rtpPacket{}, false
	}
	// RFC 3550 §5.1: version 2; RFC 3551 §6: PT 0 is PCMU, 8 is PCMA.
	if rtp[0]>>6 != 2 {
		return rtpPacket{}, false
	}
	pt := rtp[1] & 0x7f
	if pt != 0 && pt != 8 {
		return rtpPacket{}, false
	}
	hdr := 12 + 4*int(rtp[0]&0x0f)
	if rtp[0]&0x10 != 0 { // header extension
		if len(rtp) < hdr+4 {
			return rtpPacket{}, false
		}
		hdr += 4 + 4*int(binary.BigEndian.Uint16(rtp[hdr+2:]))
	}
	if len(rtp) <= hdr {
		return rtpPacket{}, false
	}
	payload := rtp[hdr:]
	if rtp[0]&0x20 != 0 { // padding
		pad := int(payload[len(payload)-1])
		if pad > len(payload) {
			return rtpPacket{}, false
		}
		payload = payload[:len(payload)-pad]
	}
	return rtpPacket{at: time.Now(), out: out, pt: pt, payload: append([]byte(nil), payload...)}, true
}

func (tap *rtpTap) inRange(port int) bool { return port >= tap.ports[0] && port <= tap.ports[1] }

// since returns the decoded audio of packets in one direction seen after
// t0, and how many packets that was.
func (tap *rtpTap) since(t0 time.Time, out bool) ([]float64, int) {
	tap.mu.Lock()
	defer tap.mu.Unlock()
	var samples []float64
	n := 0
	for _, p := range tap.pkts {
		if p.out != out || p.at.Before(t0) {
			continue
		}
		n++
		for _, c := range p.payload {
			if p.pt == 0 {
				samples = append(samples, ulaw(c))
			} else {
				samples = append(samples, alaw(c))
			}
		}
	}
	return samples, n
}

// count returns the packets seen in each direction between t0 and t1.
func (tap *rtpTap) count(t0, t1 time.Time) (in, out int) {
	tap.mu.Lock()
	defer tap.mu.Unlock()
	for _, p := range tap.pkts {
		if p.at.Before(t0) || p.at.After(t1) {
			continue
		}
		if p.out {
			out++
		} else {
			in++
		}
	}
	return in, out
}

// Close stops the capture and waits for its loop to end.
func (tap *rtpTap) Close() {
	if tap.stopped.Swap(true) {
		return
	}
	<-tap.done
	_ = unix.Close(tap.fd)
}
