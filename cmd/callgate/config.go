package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/callgate/callgate/b2bua"
	"github.com/callgate/callgate/media/dtmf"
	"gopkg.in/yaml.v3"
)

// fileConfig is the YAML configuration file (see deploy/callgate.example.yaml).
// Every field is optional; the zero value runs a demo gateway.
type fileConfig struct {
	Domain     string          `yaml:"domain"`
	Aliases    []string        `yaml:"aliases"`
	ServerName string          `yaml:"server_name"`
	DataDir    string          `yaml:"data_dir"`
	Listen     listenConfig    `yaml:"listen"`
	TLS        tlsConfig       `yaml:"tls"`
	WebSocket  wsConfig        `yaml:"websocket"`
	Registrar  registrarConfig `yaml:"registrar"`
	Auth       authConfig      `yaml:"auth"`
	Users      []userConfig    `yaml:"users"`
	Calls      callsConfig     `yaml:"calls"`
	Media      mediaConfig     `yaml:"media"`
	WebRTC     webrtcConfig    `yaml:"webrtc"`
	Trunks     []trunkConfig   `yaml:"trunks"`
	Routing    routingConfig   `yaml:"routing"`
	Records    recordsConfig   `yaml:"records"`
	Recording  recordingConfig `yaml:"recording"`
	Capture    captureConfig   `yaml:"capture"`
	Admin      adminConfig     `yaml:"admin"`
	Log        logConfig       `yaml:"log"`
}

type listenConfig struct {
	SIPUDP string `yaml:"sip_udp"`
	SIPTCP string `yaml:"sip_tcp"`
	SIPTLS string `yaml:"sip_tls"`
	HTTP   string `yaml:"http"`
	WebRTC string `yaml:"webrtc"`
}

type tlsConfig struct {
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// ACME obtains certificates for the HTTPS/WSS listener (see certs.go).
	ACME acmeConfig `yaml:"acme"`
}

type wsConfig struct {
	Path           string   `yaml:"path"`
	AllowedOrigins []string `yaml:"allowed_origins"`
	ReadLimit      int64    `yaml:"read_limit"`
	PingInterval   duration `yaml:"ping_interval"`
}

type registrarConfig struct {
	MinExpires     duration `yaml:"min_expires"`
	MaxExpires     duration `yaml:"max_expires"`
	DefaultExpires duration `yaml:"default_expires"`
}

type authConfig struct {
	Realm       string   `yaml:"realm"`
	NonceTTL    duration `yaml:"nonce_ttl"`
	Algorithms  []string `yaml:"algorithms"`
	MaxFailures int      `yaml:"max_failures"`
	BanTime     duration `yaml:"ban_time"`
	// TokenSecret enables token credentials for embedded dialers.
	TokenSecret string `yaml:"token_secret"`
	// TokenMaxLifetime bounds how far ahead a token may expire.
	TokenMaxLifetime duration `yaml:"token_max_lifetime"`
}

type userConfig struct {
	Name      string `yaml:"name"`
	Password  string `yaml:"password"`
	HA1MD5    string `yaml:"ha1_md5"`
	HA1SHA256 string `yaml:"ha1_sha256"`
	// Allow are patterns (regular expressions) of numbers the user may
	// call through trunks.
	Allow []string `yaml:"allow"`
	// Groups the user belongs to, for dialplan callers.
	Groups []string `yaml:"groups"`
	// MaxCalls caps the user's concurrent calls.
	MaxCalls int `yaml:"max_calls"`
}

type callsConfig struct {
	RingTimeout     duration `yaml:"ring_timeout"`
	MaxCalls        int      `yaml:"max_calls"`
	MaxCallsPerUser int      `yaml:"max_calls_per_user"`
}

type mediaConfig struct {
	BindIP            string   `yaml:"bind_ip"`
	AdvertiseIP       string   `yaml:"advertise_ip"`
	PortMin           int      `yaml:"port_min"`
	PortMax           int      `yaml:"port_max"`
	Quarantine        duration `yaml:"quarantine"`
	InactivityTimeout duration `yaml:"inactivity_timeout"`
	LatchAny          bool     `yaml:"latch_any"`
	// PhoneDTMF is auto, rfc4733 or info.
	PhoneDTMF string `yaml:"phone_dtmf"`
	// BrowserOpus puts Opus on browser legs, transcoding to phones.
	BrowserOpus bool `yaml:"browser_opus"`
}

type webrtcConfig struct {
	PublicIP string `yaml:"public_ip"`
	// PortMin and PortMax give each browser leg its own port instead of
	// the shared listen.webrtc socket.
	PortMin int `yaml:"port_min"`
	PortMax int `yaml:"port_max"`
	// FullICE runs full ICE instead of ICE-lite.
	FullICE bool `yaml:"full_ice"`
	// PionSRTP leaves SRTP to pion instead of callgate's inline path.
	PionSRTP bool `yaml:"pion_srtp"`
	// OpusBitrate and OpusComplexity tune the Opus sent to browsers on
	// transcoded calls; 0 keeps the defaults.
	OpusBitrate    int `yaml:"opus_bitrate"`
	OpusComplexity int `yaml:"opus_complexity"`
}

type logConfig struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// duration reads Go duration strings ("25s", "5m") from YAML.
type duration time.Duration

// UnmarshalYAML parses a duration string.
func (d *duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration like 30s or 5m", s)
	}
	*d = duration(v)
	return nil
}

// configError names the offending key; main exits with status 2 on it.
type configError struct {
	Key string
	Msg string
}

func (e *configError) Error() string { return fmt.Sprintf("config: %s: %s", e.Key, e.Msg) }

var errConfig = errors.New("invalid configuration")

// loadConfig reads and validates the YAML file at path; "" gives defaults.
func loadConfig(path string) (fileConfig, error) {
	var fc fileConfig
	if path == "" {
		return fc, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return fc, fmt.Errorf("%w: %w", errConfig, err)
	}
	return parseConfig(raw)
}

// yamlLine matches yaml.v3's "line N: field x not found in type y".
var unknownField = regexp.MustCompile(`line (\d+): field (\S+) not found in type main\.(\w+)`)

// parseConfig decodes raw strictly: an unknown key is an error naming it.
func parseConfig(raw []byte) (fileConfig, error) {
	var fc fileConfig
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&fc); err != nil && !errors.Is(err, io.EOF) {
		if m := unknownField.FindStringSubmatch(err.Error()); m != nil {
			return fc, &configError{Key: sectionOf(m[3]) + m[2], Msg: "unknown key (line " + m[1] + ")"}
		}
		return fc, fmt.Errorf("%w: %w", errConfig, err)
	}
	return fc, fc.validate()
}

// sectionOf maps a config struct type to its YAML key prefix for messages.
func sectionOf(typ string) string {
	switch typ {
	case "listenConfig":
		return "listen."
	case "tlsConfig":
		return "tls."
	case "acmeConfig":
		return "tls.acme."
	case "wsConfig":
		return "websocket."
	case "registrarConfig":
		return "registrar."
	case "authConfig":
		return "auth."
	case "userConfig":
		return "users[]."
	case "logConfig":
		return "log."
	case "callsConfig":
		return "calls."
	case "mediaConfig":
		return "media."
	case "webrtcConfig":
		return "webrtc."
	case "trunkConfig":
		return "trunks[]."
	case "registerConfig", "plain":
		return "trunks[].register."
	case "callerIDConfig":
		return "trunks[].caller_id."
	case "routingConfig":
		return "routing."
	case "ruleConfig":
		return "routing.dialplan[]."
	case "didConfig":
		return "routing.dids[]."
	case "recordsConfig":
		return "records."
	case "webhookConfig":
		return "records.webhook."
	case "captureConfig":
		return "capture."
	case "recordingConfig":
		return "recording."
	case "adminConfig":
		return "admin."
	}
	return ""
}

var userName = regexp.MustCompile(`^[A-Za-z0-9._~!$&'()*+,;=-]{1,64}$`)
var hexOf = regexp.MustCompile(`^[0-9a-fA-F]+$`)

// validate checks values that decode but make no sense.
func (fc fileConfig) validate() error {
	for key, addr := range map[string]string{
		"listen.sip_udp": fc.Listen.SIPUDP, "listen.sip_tcp": fc.Listen.SIPTCP,
		"listen.sip_tls": fc.Listen.SIPTLS, "listen.http": fc.Listen.HTTP, "listen.webrtc": fc.Listen.WebRTC,
	} {
		if err := checkListenAddr(addr); err != nil {
			return &configError{Key: key, Msg: err.Error()}
		}
	}
	if (fc.TLS.CertFile == "") != (fc.TLS.KeyFile == "") {
		return &configError{Key: "tls", Msg: "cert_file and key_file must be set together"}
	}
	if fc.Listen.SIPTLS != "" && fc.TLS.CertFile == "" && !fc.TLS.ACME.Enabled {
		return &configError{Key: "listen.sip_tls", Msg: "needs tls.cert_file and tls.key_file"}
	}
	if fc.WebSocket.Path != "" && !strings.HasPrefix(fc.WebSocket.Path, "/") {
		return &configError{Key: "websocket.path", Msg: "must start with /"}
	}
	if fc.WebSocket.ReadLimit < 0 || fc.WebSocket.ReadLimit > b2bua.MaxMessageSize {
		return &configError{Key: "websocket.read_limit", Msg: fmt.Sprintf("must be between 1 and %d bytes, the largest SIP message callgate reads", b2bua.MaxMessageSize)}
	}
	for i, o := range fc.WebSocket.AllowedOrigins {
		if o != "*" && !strings.Contains(o, "://") {
			return &configError{Key: fmt.Sprintf("websocket.allowed_origins[%d]", i), Msg: fmt.Sprintf("%q is not an origin like https://example.com (or *)", o)}
		}
	}
	r := fc.Registrar
	if r.MinExpires < 0 || r.MaxExpires < 0 || r.DefaultExpires < 0 {
		return &configError{Key: "registrar", Msg: "expiry durations must not be negative"}
	}
	if r.MinExpires > 0 && r.MaxExpires > 0 && r.MaxExpires < r.MinExpires {
		return &configError{Key: "registrar.max_expires", Msg: "must not be below min_expires"}
	}
	for i, a := range fc.Auth.Algorithms {
		if a != "SHA-256" && a != "MD5" {
			return &configError{Key: fmt.Sprintf("auth.algorithms[%d]", i), Msg: fmt.Sprintf("%q is not supported (use SHA-256 or MD5)", a)}
		}
	}
	if fc.Media.PhoneDTMF != "" {
		if _, err := dtmf.ParseMode(fc.Media.PhoneDTMF); err != nil {
			return &configError{Key: "media.phone_dtmf", Msg: fmt.Sprintf("%q is not auto, rfc4733 or info", fc.Media.PhoneDTMF)}
		}
	}
	if (fc.WebRTC.PortMin == 0) != (fc.WebRTC.PortMax == 0) {
		return &configError{Key: "webrtc.port_max", Msg: "set both port_min and port_max, or neither"}
	}
	if fc.WebRTC.PortMin < 0 || fc.WebRTC.PortMin > fc.WebRTC.PortMax || fc.WebRTC.PortMax > 65535 {
		return &configError{Key: "webrtc.port_min", Msg: fmt.Sprintf("%d-%d is not a port range", fc.WebRTC.PortMin, fc.WebRTC.PortMax)}
	}
	if b := fc.WebRTC.OpusBitrate; b != 0 && (b < 6000 || b > 510000) {
		return &configError{Key: "webrtc.opus_bitrate", Msg: fmt.Sprintf("%d is outside 6000–510000 bit/s (0 picks one by the phone's band)", b)}
	}
	if c := fc.WebRTC.OpusComplexity; c < 0 || c > 10 {
		return &configError{Key: "webrtc.opus_complexity", Msg: fmt.Sprintf("%d is outside 1–10 (0 means 1)", c)}
	}
	if fc.Auth.TokenSecret != "" && len(fc.Auth.TokenSecret) < 16 {
		return &configError{Key: "auth.token_secret", Msg: "must be at least 16 characters (use a random string)"}
	}
	if fc.Auth.TokenMaxLifetime < 0 {
		return &configError{Key: "auth.token_max_lifetime", Msg: "must not be negative"}
	}
	if fc.Auth.MaxFailures < 0 {
		return &configError{Key: "auth.max_failures", Msg: "must not be negative"}
	}
	seen := map[string]bool{}
	for i, u := range fc.Users {
		key := fmt.Sprintf("users[%d]", i)
		if !userName.MatchString(u.Name) {
			return &configError{Key: key + ".name", Msg: fmt.Sprintf("%q is not a valid SIP user name", u.Name)}
		}
		if seen[u.Name] {
			return &configError{Key: key + ".name", Msg: fmt.Sprintf("user %q is defined twice", u.Name)}
		}
		seen[u.Name] = true
		if u.Password == "" && u.HA1MD5 == "" && u.HA1SHA256 == "" {
			return &configError{Key: key, Msg: "needs password, ha1_md5 or ha1_sha256"}
		}
		if u.HA1MD5 != "" && (len(u.HA1MD5) != 32 || !hexOf.MatchString(u.HA1MD5)) {
			return &configError{Key: key + ".ha1_md5", Msg: "must be 32 hex digits"}
		}
		if u.HA1SHA256 != "" && (len(u.HA1SHA256) != 64 || !hexOf.MatchString(u.HA1SHA256)) {
			return &configError{Key: key + ".ha1_sha256", Msg: "must be 64 hex digits"}
		}
	}
	if fc.Calls.RingTimeout < 0 || fc.Calls.MaxCalls < 0 || fc.Calls.MaxCallsPerUser < 0 {
		return &configError{Key: "calls", Msg: "values must not be negative"}
	}
	for key, ip := range map[string]string{"media.bind_ip": fc.Media.BindIP, "media.advertise_ip": fc.Media.AdvertiseIP, "webrtc.public_ip": fc.WebRTC.PublicIP} {
		if ip != "" {
			if _, err := netip.ParseAddr(ip); err != nil {
				return &configError{Key: key, Msg: fmt.Sprintf("%q is not an IP address", ip)}
			}
		}
	}
	m := fc.Media
	if m.PortMin != 0 || m.PortMax != 0 {
		if m.PortMin < 1024 || m.PortMax > 65535 || m.PortMax-m.PortMin < 3 {
			return &configError{Key: "media.port_min", Msg: "port range must lie within 1024–65535 and hold at least two RTP/RTCP pairs"}
		}
	}
	switch strings.ToLower(fc.Log.Level) {
	case "", "debug", "info", "warn", "error":
	default:
		return &configError{Key: "log.level", Msg: fmt.Sprintf("%q is not one of debug, info, warn, error", fc.Log.Level)}
	}
	switch strings.ToLower(fc.Log.Format) {
	case "", "text", "json":
	default:
		return &configError{Key: "log.format", Msg: fmt.Sprintf("%q is not text or json", fc.Log.Format)}
	}
	if _, _, err := opsFromFile(fc); err != nil {
		return err
	}
	if _, err := recordingFromFile(fc); err != nil {
		return err
	}
	_, _, err := routingFromFile(fc)
	return err
}

// checkListenAddr accepts "" (default) , "off", or host:port.
func checkListenAddr(addr string) error {
	if addr == "" || addr == "off" {
		return nil
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port (e.g. :5060 or 127.0.0.1:5060)", addr)
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return fmt.Errorf("%q has an invalid port", addr)
	}
	return nil
}
