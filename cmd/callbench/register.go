package main

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/icholy/digest"
)

// registerContact registers contact for user over UDP, answering the
// digest challenge (a third-party registration, RFC 3261 §10.2).
func registerContact(gw, user, pass, contact string) error {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return err
	}
	defer c.Close()
	dst, err := net.ResolveUDPAddr("udp", gw)
	if err != nil {
		return err
	}
	local := c.LocalAddr().String()
	send := func(seq int, auth string) (string, error) {
		var b strings.Builder
		fmt.Fprintf(&b, "REGISTER sip:localhost SIP/2.0\r\nVia: SIP/2.0/UDP %s;rport;branch=z9hG4bKbench%d\r\n", local, seq)
		fmt.Fprintf(&b, "From: <sip:%s@localhost>;tag=bench\r\nTo: <sip:%s@localhost>\r\nCall-ID: bench-reg\r\nCSeq: %d REGISTER\r\n", user, user, seq)
		fmt.Fprintf(&b, "Max-Forwards: 70\r\nContact: <%s>\r\nExpires: 3600\r\n", contact)
		if auth != "" {
			fmt.Fprintf(&b, "Authorization: %s\r\n", auth)
		}
		b.WriteString("Content-Length: 0\r\n\r\n")
		if _, err := c.WriteTo([]byte(b.String()), dst); err != nil {
			return "", err
		}
		buf := make([]byte, 4096)
		_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
	res, err := send(1, "")
	if err != nil {
		return err
	}
	var chal string
	for _, l := range strings.Split(res, "\r\n") {
		if strings.HasPrefix(l, "WWW-Authenticate: ") && chal == "" {
			chal = strings.TrimPrefix(l, "WWW-Authenticate: ")
		}
	}
	ch, err := digest.ParseChallenge(chal)
	if err != nil {
		return fmt.Errorf("challenge %q: %w", chal, err)
	}
	cred, err := digest.Digest(ch, digest.Options{Method: "REGISTER", URI: "sip:localhost", Username: user, Password: pass, Count: 1})
	if err != nil {
		return err
	}
	res, err = send(2, cred.String())
	if err != nil {
		return err
	}
	if !strings.HasPrefix(res, "SIP/2.0 200") {
		return fmt.Errorf("register: %s", strings.SplitN(res, "\r\n", 2)[0])
	}
	return nil
}
