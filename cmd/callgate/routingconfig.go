package main

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/callgate/callgate/b2bua"
	"github.com/callgate/callgate/b2bua/trunk"
	"gopkg.in/yaml.v3"
)

// trunkConfig is one entry of "trunks:" (see deploy/callgate.example.yaml).
type trunkConfig struct {
	Name            string         `yaml:"name"`
	Address         string         `yaml:"address"`
	Addresses       []string       `yaml:"addresses"`
	Transport       string         `yaml:"transport"`
	Domain          string         `yaml:"domain"`
	Username        string         `yaml:"username"`
	AuthUsername    string         `yaml:"auth_username"`
	Password        string         `yaml:"password"`
	Realm           string         `yaml:"realm"`
	Register        registerConfig `yaml:"register"`
	CallerID        callerIDConfig `yaml:"caller_id"`
	Inbound         []string       `yaml:"inbound"`
	Codecs          []string       `yaml:"codecs"`
	OptionsInterval duration       `yaml:"options_interval"`
	MaxCalls        int            `yaml:"max_calls"`
	InviteTimeout   duration       `yaml:"invite_timeout"`
}

// registerConfig is a trunk's "register:" block; a bare "register: true"
// is accepted too.
type registerConfig struct {
	Enabled     bool     `yaml:"enabled"`
	Expiry      duration `yaml:"expiry"`
	ContactUser string   `yaml:"contact_user"`
}

type callerIDConfig struct {
	FromUser         string `yaml:"from_user"`
	FromDisplay      string `yaml:"from_display"`
	AssertedIdentity bool   `yaml:"asserted_identity"`
	AssertedUser     string `yaml:"asserted_user"`
	Privacy          string `yaml:"privacy"`
}

// ruleConfig is one dialplan rule.
type ruleConfig struct {
	Name        string   `yaml:"name"`
	Prefix      string   `yaml:"prefix"`
	Pattern     string   `yaml:"pattern"`
	Callers     []string `yaml:"callers"`
	Strip       int      `yaml:"strip"`
	Prepend     string   `yaml:"prepend"`
	E164        bool     `yaml:"e164"`
	CountryCode string   `yaml:"country_code"`
	Trunks      []string `yaml:"trunks"`
}

// didConfig sends a trunk's calls for a number to users or a ring group.
type didConfig struct {
	Number  string   `yaml:"number"`
	Pattern string   `yaml:"pattern"`
	Users   []string `yaml:"users"`
	Group   string   `yaml:"group"`
}

// routingConfig is the "routing:" section.
type routingConfig struct {
	Dialplan      []ruleConfig        `yaml:"dialplan"`
	DIDs          []didConfig         `yaml:"dids"`
	Groups        map[string][]string `yaml:"groups"`
	DefaultAllow  []string            `yaml:"default_allow"`
	SilentRefusal bool                `yaml:"silent_refusal"`
}

// routingFromFile converts trunks, routing and the users' policies into
// the gateway's configuration, naming the offending key on an error.
func routingFromFile(fc fileConfig) (b2bua.RoutingConfig, map[string]b2bua.UserPolicy, error) {
	rc := b2bua.RoutingConfig{
		Groups:        fc.Routing.Groups,
		DefaultAllow:  fc.Routing.DefaultAllow,
		SilentRefusal: fc.Routing.SilentRefusal,
	}
	for i, t := range fc.Trunks {
		key := fmt.Sprintf("trunks[%d]", i)
		tc := trunk.Config{
			Name: t.Name, Addresses: t.Addresses, Transport: strings.ToUpper(t.Transport), Domain: t.Domain,
			Username: t.Username, AuthUsername: t.AuthUsername, Password: t.Password, Realm: t.Realm,
			Register: trunk.RegisterConfig{Enabled: t.Register.Enabled, Expiry: time.Duration(t.Register.Expiry), ContactUser: t.Register.ContactUser},
			CallerID: trunk.CallerIDPolicy{FromUser: t.CallerID.FromUser, FromDisplay: t.CallerID.FromDisplay,
				AssertedIdentity: t.CallerID.AssertedIdentity, AssertedUser: t.CallerID.AssertedUser, Privacy: t.CallerID.Privacy},
			Codecs: t.Codecs, OptionsInterval: time.Duration(t.OptionsInterval), MaxCalls: t.MaxCalls,
			InviteTimeout: time.Duration(t.InviteTimeout),
		}
		if t.Address != "" {
			tc.Addresses = append([]string{t.Address}, tc.Addresses...)
		}
		for j, src := range t.Inbound {
			p, err := parsePrefix(src)
			if err != nil {
				return rc, nil, &configError{Key: fmt.Sprintf("%s.inbound[%d]", key, j), Msg: err.Error()}
			}
			tc.Inbound = append(tc.Inbound, p)
		}
		if err := tc.Validate(); err != nil {
			return rc, nil, &configError{Key: key, Msg: err.Error()}
		}
		rc.Trunks = append(rc.Trunks, tc)
	}
	for _, r := range fc.Routing.Dialplan {
		rc.Dialplan = append(rc.Dialplan, trunk.Rule{
			Name: r.Name, Prefix: r.Prefix, Pattern: r.Pattern, Callers: r.Callers, Strip: r.Strip,
			Prepend: r.Prepend, E164: r.E164, CountryCode: r.CountryCode, Trunks: r.Trunks,
		})
	}
	if _, err := trunk.NewDialplan(rc.Dialplan); err != nil {
		return rc, nil, &configError{Key: "routing.dialplan", Msg: err.Error()}
	}
	for _, d := range fc.Routing.DIDs {
		rc.DIDs = append(rc.DIDs, b2bua.DIDRoute{Number: d.Number, Pattern: d.Pattern, Users: d.Users, Group: d.Group})
	}
	policies := map[string]b2bua.UserPolicy{}
	for _, u := range fc.Users {
		if len(u.Allow) > 0 || len(u.Groups) > 0 || u.MaxCalls > 0 {
			policies[u.Name] = b2bua.UserPolicy{Allow: u.Allow, Groups: u.Groups, MaxCalls: u.MaxCalls}
		}
	}
	return rc, policies, nil
}

// parsePrefix reads "192.0.2.10" or "192.0.2.0/24".
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return p, fmt.Errorf("%q is not an address or CIDR prefix", s)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an address or CIDR prefix", s)
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}

// UnmarshalYAML accepts "register: true" as well as a mapping.
func (r *registerConfig) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		return n.Decode(&r.Enabled)
	}
	type plain registerConfig
	return n.Decode((*plain)(r))
}
