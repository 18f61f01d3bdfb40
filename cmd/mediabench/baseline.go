package main

import (
	"net"
	"net/netip"
	"sync"
)

// baselinePair is a plain UDP sender and receiver inside this program,
// paced like the calls and carrying the same payload but not passing
// through callgate: what loopback and this program's own scheduling cost.
type baselinePair struct {
	tx, rx *net.UDPConn
	dst    netip.AddrPort
	pacer  *rtpPacer
	recv   receiver
	flow   *flow
}

// newBaseline opens n pairs on 127.0.0.1 and starts their receivers.
func newBaseline(n int, f *flow, wg *sync.WaitGroup) ([]*baselinePair, error) {
	var out []*baselinePair
	for i := 0; i < n; i++ {
		tx, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			closeBaseline(out)
			return nil, err
		}
		rx, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			_ = tx.Close()
			closeBaseline(out)
			return nil, err
		}
		p := &baselinePair{tx: tx, rx: rx, dst: rx.LocalAddr().(*net.UDPAddr).AddrPort(),
			pacer: newRTPPacer(uint32(i), 0x6000000+uint32(i)), flow: f}
		p.recv.flow = f
		out = append(out, p)
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 1500)
			for {
				n, err := rx.Read(buf)
				if err != nil {
					return
				}
				p.recv.onPacket(buf[:n])
			}
		}()
	}
	return out, nil
}

// send implements pacedSender.
func (p *baselinePair) send(inWindow bool) {
	if _, err := p.tx.WriteToUDPAddrPort(p.pacer.next(inWindow), p.dst); err != nil {
		p.flow.sendErrs.Add(1)
		return
	}
	if inWindow {
		p.flow.sent.Add(1)
	}
}

// skip implements skipCounter.
func (p *baselinePair) skip() { p.flow.skipped.Add(1) }

// closeBaseline closes every pair's sockets, ending their receivers.
func closeBaseline(ps []*baselinePair) {
	for _, p := range ps {
		_ = p.tx.Close()
		_ = p.rx.Close()
	}
}
