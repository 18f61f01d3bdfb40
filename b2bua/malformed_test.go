package b2bua_test

import (
	"bufio"
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// tortureDir finds the RFC 4475 torture messages shipped in sipgo's module.
func tortureDir(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/emiago/sipgo").Output()
	if err != nil {
		t.Fatalf("locate sipgo module: %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "sip", "testdata", "torture")
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("torture messages missing: %v", err)
	}
	return dir
}

// statusLines reads every SIP status line that arrives on c within d.
func statusLines(c net.Conn, d time.Duration) []string {
	_ = c.SetReadDeadline(time.Now().Add(d))
	var out []string
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if strings.HasPrefix(line, "SIP/2.0 ") {
			out = append(out, strings.TrimSpace(line))
		}
		if err != nil {
			return out
		}
	}
}

// TestTortureMessages sends every RFC 4475 message over its own TCP
// connection: invalid ones must never be answered 2xx, nothing may crash,
// and registrations keep working afterwards.
func TestTortureMessages(t *testing.T) {
	g := startGateway(t, nil)
	dir := tortureDir(t)
	for _, kind := range []string{"valid", "invalid"} {
		files, _ := filepath.Glob(filepath.Join(dir, kind, "*.dat"))
		if len(files) < 10 {
			t.Fatalf("only %d %s torture messages found", len(files), kind)
		}
		for _, f := range files {
			f := f
			t.Run(kind+"/"+filepath.Base(f), func(t *testing.T) {
				t.Parallel()
				msg, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				c, err := net.Dial("tcp", g.tcp)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				if _, err := c.Write(msg); err != nil {
					t.Fatal(err)
				}
				for _, s := range statusLines(c, 400*time.Millisecond) {
					if kind == "invalid" && strings.HasPrefix(s, "SIP/2.0 2") {
						t.Errorf("invalid message answered %q", s)
					}
				}
			})
		}
	}
	t.Cleanup(func() {
		p := newPhone(t, "UDP", g.udp)
		if res := p.register(t, regReq{user: "1000", pass: testUsers["1000"], expires: 600}); res.StatusCode != 200 {
			t.Errorf("after torture: %s", res.StartLine())
		}
	})
}

// garbage is a set of broken messages sent on every transport.
var garbage = map[string][]byte{
	"truncated":       []byte("REGISTER sip:localhost SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bKt\r\nFrom: <sip:1000@loc"),
	"bad-length":      []byte("OPTIONS sip:localhost SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bKb\r\nFrom: <sip:a@localhost>;tag=1\r\nTo: <sip:localhost>\r\nCall-ID: bl\r\nCSeq: 1 OPTIONS\r\nContent-Length: abc\r\n\r\n"),
	"negative-length": []byte("OPTIONS sip:localhost SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bKn\r\nFrom: <sip:a@localhost>;tag=1\r\nTo: <sip:localhost>\r\nCall-ID: nl\r\nCSeq: 1 OPTIONS\r\nContent-Length: -5\r\n\r\n"),
	"binary":          {0x00, 0xff, 0x13, 0x37, 0x80, 0x81, 0x0d, 0x0a, 0x0d, 0x0a},
	"no-headers":      []byte("INVITE sip:1000@localhost SIP/2.0\r\n\r\n"),
	"missing-from":    []byte("OPTIONS sip:localhost SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bKm\r\nTo: <sip:localhost>\r\nCall-ID: mf\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"),
	"cseq-mismatch":   []byte("OPTIONS sip:localhost SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bKc\r\nFrom: <sip:a@localhost>;tag=1\r\nTo: <sip:localhost>\r\nCall-ID: cm\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"),
	"unknown-method":  []byte("FROB sip:localhost SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bKf\r\nFrom: <sip:a@localhost>;tag=1\r\nTo: <sip:localhost>\r\nCall-ID: um\r\nCSeq: 1 FROB\r\nContent-Length: 0\r\n\r\n"),
}

// wantOn lists the status expected for messages that parse; the rest must be
// answered 400 or dropped.
var wantOn = map[string]string{"missing-from": "SIP/2.0 400", "cseq-mismatch": "SIP/2.0 400", "unknown-method": "SIP/2.0 501"}

func TestMalformedOverEveryTransport(t *testing.T) {
	g := startGateway(t, nil)

	// A browser and a phone registered before the abuse must keep working.
	keeper := dialBrowser(t, g, "keeper")
	if res := keeper.register("1001", testUsers["1001"], 600); res.StatusCode != 200 {
		t.Fatalf("keeper: %s", res.StartLine())
	}

	for name, msg := range garbage {
		t.Run("tcp/"+name, func(t *testing.T) {
			c, err := net.Dial("tcp", g.tcp)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_, _ = c.Write(msg)
			checkStatus(t, name, statusLines(c, 300*time.Millisecond))
		})
		t.Run("udp/"+name, func(t *testing.T) {
			c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			// Point Via at this socket so any answer comes back here.
			port := c.LocalAddr().(*net.UDPAddr).Port
			m := bytes.ReplaceAll(msg, []byte("127.0.0.1:1;"), []byte("127.0.0.1:"+strconv.Itoa(port)+";"))
			dst, _ := net.ResolveUDPAddr("udp", g.udp)
			_, _ = c.WriteTo(m, dst)
			buf := make([]byte, 4096)
			_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
			var lines []string
			if n, _, err := c.ReadFrom(buf); err == nil {
				lines = append(lines, strings.SplitN(string(buf[:n]), "\r\n", 2)[0])
			}
			checkStatus(t, name, lines)
		})
		t.Run("ws/"+name, func(t *testing.T) {
			b := dialBrowser(t, g, "abuser-"+name)
			_ = b.conn.WriteMessage(websocket.BinaryMessage, msg)
			var lines []string
			_ = b.conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
			if _, data, err := b.conn.ReadMessage(); err == nil {
				lines = append(lines, strings.SplitN(string(data), "\r\n", 2)[0])
			}
			checkStatus(t, name, lines)
		})
	}

	// The keeper's socket and binding survived; the gateway still registers.
	keeper.send("OPTIONS sip:localhost SIP/2.0\r\nVia: SIP/2.0/WS k.invalid;branch=z9hG4bKk2\r\nMax-Forwards: 70\r\n" +
		"From: <sip:1001@localhost>;tag=1\r\nTo: <sip:localhost>\r\nCall-ID: keep-2\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
	if res := keeper.readResponse(); res.StatusCode != 200 {
		t.Fatalf("keeper OPTIONS: %s", res.StartLine())
	}
	if bs, _ := g.srv.Bindings(t.Context(), "1001@localhost"); len(bs) != 1 {
		t.Fatalf("keeper binding lost: %+v", bs)
	}
	p := newPhone(t, "TCP", g.tcp)
	if res := p.register(t, regReq{user: "1000", pass: testUsers["1000"], expires: 600}); res.StatusCode != 200 {
		t.Fatalf("after malformed input: %s", res.StartLine())
	}
}

func checkStatus(t *testing.T, name string, lines []string) {
	t.Helper()
	want, parses := wantOn[name]
	for _, l := range lines {
		if parses && !strings.HasPrefix(l, want) {
			t.Errorf("%s: got %q, want %s", name, l, want)
		}
		if !parses && !strings.HasPrefix(l, "SIP/2.0 400") {
			t.Errorf("%s: got %q, want 400 or nothing", name, l)
		}
	}
	if parses && len(lines) == 0 {
		t.Errorf("%s: no answer, want %s", name, want)
	}
}
