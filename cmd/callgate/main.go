// Command callgate runs the SIP-to-WebRTC gateway: SIP over UDP, TCP, TLS
// and WebSocket, the registrar, and the web dialer.
//
// With no configuration it serves domain "localhost" with demo users 1000
// and 1001, SIP on :5060 (UDP and TCP) and HTTP/WebSocket on :8080, and
// prints how to log in.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/callgate/callgate/media/dtmf"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/callgate/callgate/b2bua"
	"github.com/callgate/callgate/b2bua/accounts"
	"github.com/callgate/callgate/b2bua/location"
	"github.com/callgate/callgate/b2bua/sipauth"
	"github.com/callgate/callgate/webclient"
	"github.com/callgate/callgate/wsgw"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// flags are the command-line options; set ones override the file.
type flags struct {
	config, data, udp, tcp, tls, http, webrtc, logLevel, cpuProfile string
}

// run is main with its context and outputs injectable; it serves until ctx
// ends and returns the exit status: 0 after a clean shutdown, 1 on a
// runtime failure, 2 on bad usage or config.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var f flags
	fs := flag.NewFlagSet("callgate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.config, "config", "", "YAML configuration `file` (see deploy/callgate.example.yaml)")
	fs.StringVar(&f.data, "data", "", "data `dir` for the location store and demo passwords (default ./callgate-data)")
	fs.StringVar(&f.udp, "sip-udp", "", "SIP over UDP listen `addr` (default :5060, \"off\" disables)")
	fs.StringVar(&f.tcp, "sip-tcp", "", "SIP over TCP listen `addr` (default :5060, \"off\" disables)")
	fs.StringVar(&f.tls, "sip-tls", "", "SIP over TLS listen `addr` (needs tls.cert_file/key_file)")
	fs.StringVar(&f.http, "http", "", "HTTP/WebSocket listen `addr` (default :8080)")
	fs.StringVar(&f.webrtc, "webrtc", "", "UDP `addr` shared by all browser media (ICE/DTLS-SRTP; default :10000)")
	fs.StringVar(&f.logLevel, "log-level", "", "log `level`: debug, info, warn, error")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile to `file` until shutdown")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fc, err := loadConfig(f.config)
	if err == nil {
		err = applyFlags(&fc, f)
	}
	if err != nil {
		fmt.Fprintln(stderr, "callgate:", err)
		return 2
	}
	log := newLogger(fc.Log, stderr)
	if f.cpuProfile != "" {
		pf, err := os.Create(f.cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, "callgate:", err)
			return 2
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			fmt.Fprintln(stderr, "callgate:", err)
			return 2
		}
		defer func() { pprof.StopCPUProfile(); _ = pf.Close() }()
	}

	if err := serve(ctx, fc, f, log, stdout); err != nil {
		log.Error("callgate stopped", "error", err)
		var ce *configError
		if errors.As(err, &ce) || errors.Is(err, errConfig) {
			return 2
		}
		return 1
	}
	return 0
}

// applyFlags lays the command-line values over the file's and fills defaults.
func applyFlags(fc *fileConfig, f flags) error {
	set := func(dst *string, v, def string) {
		switch {
		case v != "":
			*dst = v
		case *dst == "":
			*dst = def
		}
	}
	set(&fc.DataDir, f.data, "callgate-data")
	set(&fc.Listen.SIPUDP, f.udp, ":5060")
	set(&fc.Listen.SIPTCP, f.tcp, ":5060")
	set(&fc.Listen.SIPTLS, f.tls, "")
	set(&fc.Listen.HTTP, f.http, ":8080")
	set(&fc.Listen.WebRTC, f.webrtc, ":10000")
	set(&fc.Log.Level, f.logLevel, "info")
	return fc.validate()
}

func newLogger(lc logConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(lc.Level))
	opts := &slog.HandlerOptions{Level: level}
	if strings.EqualFold(lc.Format, "json") {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// serve builds the gateway, listens, prints the login details and blocks
// until ctx ends, then shuts down in order.
func serve(ctx context.Context, fc fileConfig, f flags, log *slog.Logger, stdout io.Writer) error {
	if err := os.MkdirAll(fc.DataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	store, err := location.OpenBolt(filepath.Join(fc.DataDir, "location.db"), location.BoltOptions{Logger: log})
	if err != nil {
		return fmt.Errorf("open location store: %w", err)
	}
	cfg, demo, err := gatewayConfig(fc, log)
	if err != nil {
		_ = store.Close()
		return err
	}
	cfg.Store = store
	cfg.Logger = log
	users, err := accounts.OpenBolt(filepath.Join(fc.DataDir, "users.db"))
	if err != nil {
		_ = store.Close()
		return fmt.Errorf("open user accounts: %w", err)
	}
	cfg.Accounts = users
	if fc.WebRTC.PortMin > 0 {
		cfg.WebRTC.PortMin, cfg.WebRTC.PortMax = fc.WebRTC.PortMin, fc.WebRTC.PortMax
		if host, _, err := net.SplitHostPort(fc.Listen.WebRTC); err == nil && host != "" {
			if ip, err := netip.ParseAddr(host); err == nil {
				cfg.WebRTC.BindIP = ip
			}
		}
	} else if addr := fc.Listen.WebRTC; addr != "off" {
		pc, err := net.ListenPacket("udp4", addr)
		if err != nil {
			_ = store.Close()
			return fmt.Errorf("listen webrtc: %w", err)
		}
		cfg.WebRTC.UDPConn = pc
	}
	srv, err := b2bua.New(cfg)
	if err != nil {
		_ = store.Close()
		_ = users.Close()
		return err
	}
	shutdown := func() error {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	}
	addrs, err := listen(srv, fc, cfg)
	if err != nil {
		_ = shutdown()
		return err
	}
	if cfg.WebRTC.UDPConn != nil {
		addrs.webrtc = cfg.WebRTC.UDPConn.LocalAddr().String()
	} else if cfg.WebRTC.PortMin > 0 {
		addrs.webrtc = fmt.Sprintf("ports %d-%d", cfg.WebRTC.PortMin, cfg.WebRTC.PortMax)
	}
	reload := reloader(srv, f.config, f, log)
	adminAddr, stopAdmin, err := serveAdmin(srv, fc, reload, log)
	if err != nil {
		_ = shutdown()
		return err
	}
	addrs.admin = adminAddr
	reloadOnHangup(ctx, reload, log)
	printWelcome(stdout, fc, cfg, addrs, demo)
	<-ctx.Done()
	log.Info("shutting down")
	err = shutdown()
	stopAdmin()
	return err
}

// gatewayConfig turns the file config into b2bua.Config; with no users it
// adds the demo users and returns their passwords.
func gatewayConfig(fc fileConfig, log *slog.Logger) (b2bua.Config, map[string]string, error) {
	cfg := b2bua.Config{
		Domain:     fc.Domain,
		Aliases:    fc.Aliases,
		ServerName: fc.ServerName,
		Users:      map[string]sipauth.Secret{},
		Auth: b2bua.AuthConfig{
			Realm:       fc.Auth.Realm,
			NonceTTL:    time.Duration(fc.Auth.NonceTTL),
			MaxFailures: fc.Auth.MaxFailures,
			BanTime:     time.Duration(fc.Auth.BanTime),
			Tokens: b2bua.TokenConfig{
				Secret:      fc.Auth.TokenSecret,
				MaxLifetime: time.Duration(fc.Auth.TokenMaxLifetime),
			},
		},
		Registrar: b2bua.RegistrarConfig{
			MinExpires:     time.Duration(fc.Registrar.MinExpires),
			MaxExpires:     time.Duration(fc.Registrar.MaxExpires),
			DefaultExpires: time.Duration(fc.Registrar.DefaultExpires),
		},
		Calls: b2bua.CallConfig{
			RingTimeout:     time.Duration(fc.Calls.RingTimeout),
			MaxCalls:        fc.Calls.MaxCalls,
			MaxCallsPerUser: fc.Calls.MaxCallsPerUser,
		},
		Media: b2bua.MediaConfig{
			PortMin:           fc.Media.PortMin,
			PortMax:           fc.Media.PortMax,
			Quarantine:        time.Duration(fc.Media.Quarantine),
			InactivityTimeout: time.Duration(fc.Media.InactivityTimeout),
			LatchAny:          fc.Media.LatchAny,
			PhoneDTMF:         phoneDTMF(fc.Media.PhoneDTMF),
			BrowserOpus:       fc.Media.BrowserOpus,
		},
		WS: wsgw.Config{
			Path:           fc.WebSocket.Path,
			AllowedOrigins: fc.WebSocket.AllowedOrigins,
			ReadLimit:      fc.WebSocket.ReadLimit,
			PingInterval:   time.Duration(fc.WebSocket.PingInterval),
			Static:         webclient.Handler(),
		},
	}
	if fc.Media.BindIP != "" {
		cfg.Media.BindIP = netip.MustParseAddr(fc.Media.BindIP)
	}
	if fc.Media.AdvertiseIP != "" {
		cfg.Media.AdvertiseIP = netip.MustParseAddr(fc.Media.AdvertiseIP)
	}
	if fc.WebRTC.PublicIP != "" {
		cfg.WebRTC.PublicIP = netip.MustParseAddr(fc.WebRTC.PublicIP)
	}
	// The DTLS certificate lives beside the location store so browsers see
	// the same fingerprint after a restart.
	cfg.WebRTC.CertFile = filepath.Join(fc.DataDir, "dtls-cert.pem")
	cfg.WebRTC.FullICE = fc.WebRTC.FullICE
	cfg.WebRTC.PionSRTP = fc.WebRTC.PionSRTP
	cfg.WebRTC.OpusBitrate = fc.WebRTC.OpusBitrate
	cfg.WebRTC.OpusComplexity = fc.WebRTC.OpusComplexity
	for _, a := range fc.Auth.Algorithms {
		cfg.Auth.Algorithms = append(cfg.Auth.Algorithms, sipauth.Algorithm(a))
	}
	if fc.TLS.CertFile != "" {
		// Certificates are reread when their files change (renewals need
		// no restart).
		src, err := newCertSource(fc.TLS.CertFile, fc.TLS.KeyFile, log)
		if err != nil {
			return cfg, nil, &configError{Key: "tls", Msg: err.Error()}
		}
		tc := serverTLS(src.GetCertificate)
		cfg.TLSConfig = tc
		cfg.WS.TLSConfig = tc
	}
	if fc.TLS.ACME.Enabled {
		tc, _, err := acmeTLS(fc.TLS.ACME, fc.DataDir)
		if err != nil {
			return cfg, nil, err
		}
		// ACME certificates serve HTTPS/WSS; SIP-TLS uses them too unless
		// certificate files are configured.
		cfg.WS.TLSConfig = tc
		if cfg.TLSConfig == nil {
			cfg.TLSConfig = tc
		}
	}
	routing, policies, err := routingFromFile(fc)
	if err != nil {
		return cfg, nil, err
	}
	cfg.Routing, cfg.Policies = routing, policies
	records, capture, err := opsFromFile(fc)
	if err != nil {
		return cfg, nil, err
	}
	records.Logger, capture.Logger = log, log
	cfg.Records, cfg.Capture = records, capture
	if cfg.Recording, err = recordingFromFile(fc); err != nil {
		return cfg, nil, err
	}
	for _, u := range fc.Users {
		cfg.Users[u.Name] = sipauth.Secret{Password: u.Password, HA1MD5: strings.ToLower(u.HA1MD5), HA1SHA256: strings.ToLower(u.HA1SHA256)}
	}
	if len(cfg.Users) > 0 {
		return cfg, nil, nil
	}
	demo, err := loadDemoPasswords(fc.DataDir)
	if err != nil {
		return cfg, nil, fmt.Errorf("demo users: %w", err)
	}
	log.Warn("no users configured: serving demo users; configure users before exposing this gateway")
	for u, pw := range demo {
		cfg.Users[u] = sipauth.Secret{Password: pw}
	}
	return cfg, demo, nil
}

// boundAddrs are the addresses actually listened on.
type boundAddrs struct{ udp, tcp, tls, http, webrtc, admin string }

// listen opens every configured listener and hands it to srv.
func listen(srv *b2bua.Server, fc fileConfig, cfg b2bua.Config) (boundAddrs, error) {
	var a boundAddrs
	if addr := fc.Listen.SIPUDP; addr != "off" {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return a, fmt.Errorf("listen sip udp: %w", err)
		}
		a.udp = pc.LocalAddr().String()
		if err := srv.ServeUDP(pc); err != nil {
			return a, err
		}
	}
	if addr := fc.Listen.SIPTCP; addr != "off" {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return a, fmt.Errorf("listen sip tcp: %w", err)
		}
		a.tcp = l.Addr().String()
		if err := srv.ServeTCP(l); err != nil {
			return a, err
		}
	}
	if addr := fc.Listen.SIPTLS; addr != "" && addr != "off" {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return a, fmt.Errorf("listen sip tls: %w", err)
		}
		a.tls = l.Addr().String()
		if err := srv.ServeTLS(l); err != nil {
			return a, err
		}
	}
	if addr := fc.Listen.HTTP; addr != "off" {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return a, fmt.Errorf("listen http: %w", err)
		}
		a.http = l.Addr().String()
		if err := srv.ServeHTTP(l); err != nil {
			return a, err
		}
	}
	return a, nil
}

// printWelcome tells the operator where to point browsers and phones.
func printWelcome(w io.Writer, fc fileConfig, cfg b2bua.Config, a boundAddrs, demo map[string]string) {
	domain := fc.Domain
	if domain == "" {
		domain = "localhost"
	}
	scheme, wsScheme := "http", "ws"
	if cfg.WS.TLSConfig != nil {
		scheme, wsScheme = "https", "wss"
	}
	path := fc.WebSocket.Path
	if path == "" {
		path = "/ws"
	}
	fmt.Fprintln(w, "callgate is running")
	if a.http != "" {
		host := browserHost(a.http)
		fmt.Fprintf(w, "dialer=%s://%s/\n", scheme, host)
		fmt.Fprintf(w, "websocket=%s://%s%s\n", wsScheme, host, path)
	}
	for _, l := range []struct{ name, addr string }{{"sip_udp", a.udp}, {"sip_tcp", a.tcp}, {"sip_tls", a.tls}, {"webrtc", a.webrtc}, {"admin", a.admin}} {
		if l.addr != "" {
			fmt.Fprintf(w, "%s=%s\n", l.name, l.addr)
		}
	}
	fmt.Fprintf(w, "domain=%s\n", domain)
	names := make([]string, 0, len(demo))
	for u := range demo {
		names = append(names, u)
	}
	sort.Strings(names)
	for _, u := range names {
		fmt.Fprintf(w, "user=%s password=%s\n", u, demo[u])
	}
	// One link per demo user that signs the dialer in: the credentials ride
	// in the fragment, which the browser never sends to the server.
	if a.http != "" {
		for _, u := range names {
			q := url.Values{"user": {u}, "password": {demo[u]}}
			fmt.Fprintf(w, "login=%s://%s/#%s\n", scheme, browserHost(a.http), q.Encode())
		}
	}
}

// browserHost turns a listen address into one a local browser can open.
func browserHost(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// phoneDTMF parses media.phone_dtmf, already validated; "" is auto.
func phoneDTMF(s string) dtmf.Mode {
	m, _ := dtmf.ParseMode(s)
	return m
}
