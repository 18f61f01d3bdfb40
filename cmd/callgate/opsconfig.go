package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/callgate/callgate/b2bua"
	"github.com/callgate/callgate/b2bua/admin"
	"github.com/callgate/callgate/b2bua/cdr"
	"github.com/callgate/callgate/b2bua/hep"
	"github.com/callgate/callgate/media/recording"
)

// recordsConfig is the "records:" section: call detail records.
type recordsConfig struct {
	// File is the JSON Lines file, relative to data_dir; default
	// "cdr.jsonl", "off" disables.
	File string `yaml:"file"`
	// Store keeps records in data_dir/cdr.db for the admin API; default on.
	Store   *bool         `yaml:"store"`
	Webhook webhookConfig `yaml:"webhook"`
}

type webhookConfig struct {
	URL     string   `yaml:"url"`
	Secret  string   `yaml:"secret"`
	Timeout duration `yaml:"timeout"`
	Retries int      `yaml:"retries"`
}

// recordingConfig is the "recording:" section: which calls are recorded.
type recordingConfig struct {
	// Dir holds the recordings, relative to data_dir; "" records nothing.
	Dir        string   `yaml:"dir"`
	All        bool     `yaml:"all"`
	Users      []string `yaml:"users"`
	Header     string   `yaml:"header"`
	SampleRate int      `yaml:"sample_rate"`
	// Format is "wav" (default) or "opus" (Ogg Opus).
	Format string `yaml:"format"`
}

// recordingFromFile converts the recording section.
func recordingFromFile(fc fileConfig) (b2bua.RecordingConfig, error) {
	rc := fc.Recording
	if rc.SampleRate != 0 && rc.SampleRate != 8000 && rc.SampleRate != 16000 {
		return b2bua.RecordingConfig{}, &configError{Key: "recording.sample_rate", Msg: "must be 8000 or 16000"}
	}
	format, err := recording.ParseFormat(rc.Format)
	if err != nil {
		return b2bua.RecordingConfig{}, &configError{Key: "recording.format", Msg: "must be wav or opus"}
	}
	dir := rc.Dir
	if dir != "" && !filepath.IsAbs(dir) {
		dir = filepath.Join(fc.DataDir, dir)
	}
	return b2bua.RecordingConfig{Dir: dir, All: rc.All, Users: rc.Users, Header: rc.Header, SampleRate: rc.SampleRate, Format: format}, nil
}

// captureConfig is the "capture:" section: HEPv3 export to Homer.
type captureConfig struct {
	HEP       string `yaml:"hep"`
	CaptureID uint32 `yaml:"capture_id"`
	Password  string `yaml:"password"`
}

// adminConfig is the "admin:" section: the operator's listener.
type adminConfig struct {
	// Listen serves /metrics (no authentication: keep it on a private
	// address) and, with Token set, the admin API under /admin/. Default
	// off.
	Listen string `yaml:"listen"`
	// Token is the admin API's bearer token; empty disables the API.
	Token string `yaml:"token"`
}

// opsFromFile converts records and capture settings.
func opsFromFile(fc fileConfig) (cdr.Config, hep.Config, error) {
	var rc cdr.Config
	switch fc.Records.File {
	case "off":
	case "":
		rc.File = filepath.Join(fc.DataDir, "cdr.jsonl")
	default:
		rc.File = fc.Records.File
		if !filepath.IsAbs(rc.File) {
			rc.File = filepath.Join(fc.DataDir, rc.File)
		}
	}
	if fc.Records.Store == nil || *fc.Records.Store {
		rc.DBPath = filepath.Join(fc.DataDir, "cdr.db")
	}
	rc.Webhook = cdr.WebhookConfig{URL: fc.Records.Webhook.URL, Secret: fc.Records.Webhook.Secret,
		Timeout: time.Duration(fc.Records.Webhook.Timeout), Retries: fc.Records.Webhook.Retries}
	hc := hep.Config{Collector: fc.Capture.HEP, CaptureID: fc.Capture.CaptureID, Password: fc.Capture.Password}
	if hc.Collector != "" {
		if _, _, err := net.SplitHostPort(hc.Collector); err != nil {
			return rc, hc, &configError{Key: "capture.hep", Msg: fmt.Sprintf("%q is not host:port", hc.Collector)}
		}
	}
	if err := checkListenAddr(fc.Admin.Listen); err != nil {
		return rc, hc, &configError{Key: "admin.listen", Msg: err.Error()}
	}
	if fc.Admin.Token != "" && len(fc.Admin.Token) < 16 {
		return rc, hc, &configError{Key: "admin.token", Msg: "must be at least 16 characters (use a random string)"}
	}
	return rc, hc, nil
}

// serveAdmin starts the operator listener when configured: /metrics, and
// the admin API when a token is set. It returns the bound address.
func serveAdmin(srv *b2bua.Server, fc fileConfig, reload func(context.Context) error, log *slog.Logger) (string, func(), error) {
	if fc.Admin.Listen == "" || fc.Admin.Listen == "off" {
		return "", func() {}, nil
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", srv.MetricsHandler())
	if fc.Admin.Token != "" {
		h, err := admin.New(admin.Config{Token: fc.Admin.Token, Logger: log}, srv.AdminBackend(reload))
		if err != nil {
			return "", nil, &configError{Key: "admin.token", Msg: err.Error()}
		}
		mux.Handle("/admin/", h)
	}
	l, err := net.Listen("tcp", fc.Admin.Listen)
	if err != nil {
		return "", nil, fmt.Errorf("listen admin: %w", err)
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := hs.Serve(l); err != nil && err != http.ErrServerClosed {
			log.Error("admin listener stopped", "error", err)
		}
	}()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
	}
	return l.Addr().String(), stop, nil
}

// reloader rereads the configuration file and applies it to srv; flags
// given on the command line keep overriding the file.
func reloader(srv *b2bua.Server, path string, f flags, log *slog.Logger) func(context.Context) error {
	return func(context.Context) error {
		fc, err := loadConfig(path)
		if err == nil {
			err = applyFlags(&fc, f)
		}
		if err != nil {
			return err
		}
		cfg, _, err := gatewayConfig(fc, log)
		if err != nil {
			return err
		}
		return srv.Reload(cfg)
	}
}

// reloadOnHangup applies reload on every SIGHUP until ctx ends.
func reloadOnHangup(ctx context.Context, reload func(context.Context) error, log *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				if err := reload(ctx); err != nil {
					log.Error("configuration reload failed; keeping the running one", "error", err)
				}
			}
		}
	}()
}
