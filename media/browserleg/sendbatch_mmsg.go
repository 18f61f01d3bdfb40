//go:build linux && (amd64 || arm64)

package browserleg

import (
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mmsghdr is struct mmsghdr of sendmmsg(2) on 64-bit Linux: a msghdr and
// the byte count the kernel fills in, padded to 8 octets.
type mmsghdr struct {
	hdr unix.Msghdr
	len uint32
	_   [4]byte
}

// batchSys is the sendmmsg(2) state of a sendBatch: the headers, one
// iovec and one socket address per packet, all allocated once. The socket
// address family follows the socket's own (an AF_INET6 socket takes
// IPv4-mapped addresses).
type batchSys struct {
	raw   syscall.RawConn
	inet6 bool
	hdrs  [sendBatchMax]mmsghdr
	iovs  [sendBatchMax]unix.Iovec
	sa4   [sendBatchMax]unix.RawSockaddrInet4
	sa6   [sendBatchMax]unix.RawSockaddrInet6

	// Set for one flush; write is the method value given to raw.Write,
	// made once so that flushing allocates nothing.
	count, off, sent, failed int
	write                    func(fd uintptr) bool
}

// init finds the socket's family; without a raw socket the batch falls
// back to one write per packet.
func (s *batchSys) init(q *sendBatch) {
	s.write = s.writeMsgs
	raw, err := q.conn.conn.SyscallConn()
	if err != nil {
		return
	}
	var sa unix.Sockaddr
	if cerr := raw.Control(func(fd uintptr) { sa, err = unix.Getsockname(int(fd)) }); cerr != nil || err != nil {
		return
	}
	_, s.inet6 = sa.(*unix.SockaddrInet6)
	s.raw = raw
}

// send fills the headers for q's packets and hands them to the kernel.
func (s *batchSys) send(q *sendBatch) (sent, failed int) {
	if s.raw == nil {
		return q.sendEach()
	}
	n := 0
	for i := range q.n {
		// A packet refused here leaves no gap: headers stay dense.
		if !s.address(n, q.dst[i]) {
			failed++
			continue
		}
		b := q.bufs[i]
		s.iovs[n] = unix.Iovec{Base: unsafe.SliceData(b)}
		s.iovs[n].SetLen(len(b))
		h := &s.hdrs[n].hdr
		h.Iov = &s.iovs[n]
		h.SetIovlen(1)
		n++
	}
	s.count, s.off, s.sent, s.failed = n, 0, 0, 0
	if n > 0 {
		if err := s.raw.Write(s.write); err != nil {
			// The socket is closed: nothing more goes out.
			s.failed += s.count - s.off
		}
	}
	return s.sent, failed + s.failed
}

// address writes to as the n-th header's destination; false when the
// socket cannot reach that address family.
func (s *batchSys) address(n int, to netip.AddrPort) bool {
	h := &s.hdrs[n].hdr
	ip := to.Addr()
	if s.inet6 {
		sa := &s.sa6[n]
		*sa = unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: ip.As16()}
		putPort(&sa.Port, to.Port())
		h.Name = (*byte)(unsafe.Pointer(sa))
		h.Namelen = unix.SizeofSockaddrInet6
		return true
	}
	if !ip.Unmap().Is4() {
		return false
	}
	sa := &s.sa4[n]
	*sa = unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: ip.Unmap().As4()}
	putPort(&sa.Port, to.Port())
	h.Name = (*byte)(unsafe.Pointer(sa))
	h.Namelen = unix.SizeofSockaddrInet4
	return true
}

// putPort stores port in network byte order in a sockaddr's port field.
func putPort(field *uint16, port uint16) {
	p := (*[2]byte)(unsafe.Pointer(field))
	p[0], p[1] = byte(port>>8), byte(port)
}

// writeMsgs runs under raw.Write: it calls sendmmsg(2) until every header
// is sent, skipping a packet the kernel refuses; false asks the runtime to
// wait until the socket is writable again.
func (s *batchSys) writeMsgs(fd uintptr) bool {
	for s.off < s.count {
		r, _, errno := unix.Syscall6(unix.SYS_SENDMMSG, fd,
			uintptr(unsafe.Pointer(&s.hdrs[s.off])), uintptr(s.count-s.off), 0, 0, 0)
		switch {
		case errno == unix.EAGAIN:
			return false
		case errno == unix.EINTR:
			continue
		case errno != 0:
			// The first remaining packet failed (sendmmsg reports an
			// error only for the first message it could not send).
			s.off++
			s.failed++
		default:
			s.off += int(r)
			s.sent += int(r)
		}
	}
	return true
}
