package e2e

import (
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// lab is the test's own network: a "lan" namespace holding a bridge, and
// one namespace per host, each with an eth0 veth into that bridge. Nothing
// in it has a route anywhere else.
type lab struct {
	prefix  string // namespace name prefix, unique per test process
	subnet  string // "10.x.y"
	gw, br  host   // the gateway and the browser
	ph      host   // the desk phone
	lanName string
}

// host is one namespace on the lab's bridge.
type host struct {
	ns string
	ip string
}

// newLab creates the namespaces and links; t.Cleanup deletes them, also
// when the test fails half way.
func newLab(t *testing.T) *lab {
	t.Helper()
	pid := os.Getpid()
	l := &lab{
		prefix: fmt.Sprintf("cge2e-%d", pid),
		// The subnet lives only inside the namespaces; varying it with the
		// PID keeps parallel runs' captures and logs apart.
		subnet: fmt.Sprintf("10.%d.%d", 100+(pid>>8)%100, pid&0xff),
	}
	l.lanName = l.prefix + "-lan"
	l.gw = host{ns: l.prefix + "-gw", ip: l.subnet + ".1"}
	l.br = host{ns: l.prefix + "-br", ip: l.subnet + ".2"}
	l.ph = host{ns: l.prefix + "-ph", ip: l.subnet + ".3"}

	for _, ns := range []string{l.lanName, l.gw.ns, l.br.ns, l.ph.ns} {
		run(t, "ip", "netns", "add", ns)
		t.Cleanup(func() {
			if out, err := runErr("ip", "netns", "delete", ns); err != nil {
				t.Errorf("ip netns delete %s: %v %s", ns, err, out)
			}
		})
		run(t, "ip", "-n", ns, "link", "set", "lo", "up")
	}
	run(t, "ip", "-n", l.lanName, "link", "add", "lan0", "type", "bridge")
	run(t, "ip", "-n", l.lanName, "link", "set", "lan0", "up")
	for i, h := range []host{l.gw, l.br, l.ph} {
		port := fmt.Sprintf("port%d", i)
		run(t, "ip", "-n", l.lanName, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", h.ns)
		run(t, "ip", "-n", l.lanName, "link", "set", port, "master", "lan0")
		run(t, "ip", "-n", l.lanName, "link", "set", port, "up")
		run(t, "ip", "-n", h.ns, "addr", "add", h.ip+"/24", "dev", "eth0")
		run(t, "ip", "-n", h.ns, "link", "set", "eth0", "up")
	}
	return l
}

// inNetns runs f on an OS thread switched into network namespace ns, so
// that sockets f opens belong to that namespace (and keep belonging to it
// when used from other goroutines). The thread then goes back to the test's
// own namespace and returns to the scheduler; only if that fails does it
// stay locked, which ends it with the goroutine.
//
// Ending threads is not harmless here: processes started with Pdeathsig
// (startProc) get SIGKILL when the thread that forked them ends, and any
// thread may have forked one. An earlier version always ended the thread
// and so now and then killed callgate right after its start.
func inNetns(ns string, f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		self := fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid())
		orig, err := syscall.Open(self, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			errc <- fmt.Errorf("open own netns: %w", err)
			runtime.UnlockOSThread()
			return
		}
		defer syscall.Close(orig)
		fd, err := syscall.Open("/var/run/netns/"+ns, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			errc <- fmt.Errorf("open netns %s: %w", ns, err)
			runtime.UnlockOSThread()
			return
		}
		err = unix.Setns(fd, unix.CLONE_NEWNET)
		if err == nil {
			err = sameNetns(fd)
		}
		_ = syscall.Close(fd)
		if err == nil {
			err = f()
		} else {
			err = fmt.Errorf("setns %s: %w", ns, err)
		}
		// Back to where the thread came from; a thread that cannot get
		// back stays locked and ends with this goroutine.
		if unix.Setns(orig, unix.CLONE_NEWNET) == nil && sameNetns(orig) == nil {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	return <-errc
}

// sameNetns checks that the calling thread's network namespace is the one
// fd refers to: a socket opened by mistake in the host's namespace would
// send the lab's traffic out of the machine.
func sameNetns(fd int) error {
	var want, got unix.Stat_t
	if err := unix.Fstat(fd, &want); err != nil {
		return err
	}
	if err := unix.Stat(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()), &got); err != nil {
		return err
	}
	if want.Ino != got.Ino || want.Dev != got.Dev {
		return errors.New("thread is not in the namespace after setns")
	}
	return nil
}

// listenIn opens a TCP listener on addr inside namespace ns.
func listenIn(ns, addr string) (net.Listener, error) {
	var l net.Listener
	err := inNetns(ns, func() (err error) {
		l, err = net.Listen("tcp4", addr)
		return err
	})
	return l, err
}

// dialIn opens a TCP connection to addr from inside namespace ns.
func dialIn(ns, addr string) (net.Conn, error) {
	var c net.Conn
	err := inNetns(ns, func() (err error) {
		c, err = net.Dial("tcp4", addr)
		return err
	})
	return c, err
}

// String describes the lab for the log.
func (l *lab) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "bridge in %s; ", l.lanName)
	for _, h := range []struct {
		role string
		h    host
	}{{"gateway", l.gw}, {"browser", l.br}, {"phone", l.ph}} {
		fmt.Fprintf(&b, "%s %s in %s; ", h.role, h.h.ip, h.h.ns)
	}
	return strings.TrimSuffix(b.String(), "; ")
}
