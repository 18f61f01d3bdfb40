package trunk

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Rule is one dialplan rule. Rules are tried in order; the first that
// matches the caller and the number, and whose rewrite succeeds, wins.
//
// Matching: exactly one of Prefix and Pattern is set. A Prefix starting
// with "+" is compared with the number as dialled. A Prefix without "+" is
// compared with the number after an optional leading "+", so Prefix "44"
// matches both "+442071234567" and "442071234567". A Pattern is a Go
// (RE2) regular expression matched against the number as dialled; it is
// not anchored implicitly, so write ^ and $ where needed.
//
// Rewrite: a leading "+" is set aside, Strip drops that many leading
// digits, then Prepend is put in front. When neither Strip nor Prepend is
// used the number is left as dialled, "+" included. With E164 the result is
// then normalised by NormalizeE164 with CountryCode; a rule whose rewrite
// yields an empty or non-normalisable number does not match and the next
// rule is tried.
type Rule struct {
	// Name identifies the rule in routes and logs; default "rule<N>"
	// (1-based position).
	Name string
	// Prefix matches numbers starting with it (see Rule).
	Prefix string
	// Pattern matches numbers by regular expression (see Rule).
	Pattern string
	// Callers restricts the rule to these users, or members of "@group"
	// groups; empty means any caller.
	Callers []string
	// Strip drops this many leading digits.
	Strip int
	// Prepend is put in front of the remaining digits (digits, "+", "*",
	// "#").
	Prepend string
	// E164 normalises the rewritten number to "+<cc><national>".
	E164 bool
	// CountryCode (1-3 digits) replaces the "0" trunk prefix of national
	// numbers when E164 is set; required with E164.
	CountryCode string
	// Trunks are tried in this order (failover).
	Trunks []string
}

// Route is the outcome of a dialplan lookup.
type Route struct {
	// Rule is the name of the matching rule.
	Rule string
	// Number is the rewritten number to send to the carrier.
	Number string
	// Trunks are the trunk names in failover order; the slice is the
	// caller's to keep.
	Trunks []string
}

// Dialplan is a validated, ordered list of rules. It is immutable and safe
// for concurrent use.
type Dialplan struct {
	rules []compiledRule
}

type compiledRule struct {
	Rule
	re      *regexp.Regexp
	users   map[string]bool
	groups  map[string]bool
	anyUser bool
}

// maxStrip bounds Rule.Strip; no dialled number is longer.
const maxStrip = 64

// NewDialplan validates and compiles rules. Errors wrap ErrBadConfig.
func NewDialplan(rules []Rule) (*Dialplan, error) {
	d := &Dialplan{rules: make([]compiledRule, 0, len(rules))}
	names := map[string]bool{}
	for i, r := range rules {
		if r.Name == "" {
			r.Name = fmt.Sprintf("rule%d", i+1)
		}
		if names[r.Name] {
			return nil, fmt.Errorf("%w: duplicate dialplan rule name %q", ErrBadConfig, r.Name)
		}
		names[r.Name] = true
		c, err := compileRule(r)
		if err != nil {
			return nil, fmt.Errorf("%w: dialplan rule %q: %w", ErrBadConfig, r.Name, err)
		}
		d.rules = append(d.rules, c)
	}
	return d, nil
}

func compileRule(r Rule) (compiledRule, error) {
	c := compiledRule{Rule: r}
	c.Callers = slices.Clone(r.Callers)
	c.Trunks = slices.Clone(r.Trunks)
	switch {
	case (r.Prefix == "") == (r.Pattern == ""):
		return c, fmt.Errorf("exactly one of prefix and pattern is required")
	case r.Prefix != "" && !dialString(r.Prefix, true):
		return c, fmt.Errorf("prefix %q: only digits, *, # and a leading +", r.Prefix)
	case r.Strip < 0 || r.Strip > maxStrip:
		return c, fmt.Errorf("strip %d out of range 0..%d", r.Strip, maxStrip)
	case r.Prepend != "" && !dialString(r.Prepend, true):
		return c, fmt.Errorf("prepend %q: only digits, *, # and a leading +", r.Prepend)
	case r.E164 && !validCountryCode(r.CountryCode):
		return c, fmt.Errorf("e164 needs a country code of 1-3 digits, got %q", r.CountryCode)
	case !r.E164 && r.CountryCode != "":
		return c, fmt.Errorf("country code without e164")
	case len(r.Trunks) == 0:
		return c, fmt.Errorf("no trunks")
	}
	if r.Pattern != "" {
		re, err := regexp.Compile(r.Pattern)
		if err != nil {
			return c, fmt.Errorf("pattern: %w", err)
		}
		c.re = re
	}
	seen := map[string]bool{}
	for _, t := range r.Trunks {
		if t == "" || seen[t] {
			return c, fmt.Errorf("empty or repeated trunk %q", t)
		}
		seen[t] = true
	}
	c.anyUser = len(r.Callers) == 0
	c.users, c.groups = map[string]bool{}, map[string]bool{}
	for _, who := range r.Callers {
		switch {
		case who == "" || who == "@":
			return c, fmt.Errorf("empty caller")
		case who[0] == '@':
			c.groups[who[1:]] = true
		default:
			c.users[who] = true
		}
	}
	return c, nil
}

// dialString reports whether s consists of dial characters, allowing one
// leading "+" when plus is set.
func dialString(s string, plus bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9', c == '*', c == '#':
		case c == '+' && plus && i == 0:
		default:
			return false
		}
	}
	return s != ""
}

// Route returns the route of the first rule matching number for caller,
// who is a member of groups. ok is false when no rule matches.
func (d *Dialplan) Route(caller string, groups []string, number string) (Route, bool) {
	if d == nil {
		return Route{}, false
	}
	for i := range d.rules {
		r := &d.rules[i]
		if !r.allows(caller, groups) || !r.matches(number) {
			continue
		}
		out, ok := r.rewrite(number)
		if !ok {
			continue
		}
		return Route{Rule: r.Name, Number: out, Trunks: slices.Clone(r.Trunks)}, true
	}
	return Route{}, false
}

// Rules returns a copy of the rules, with default names filled in.
func (d *Dialplan) Rules() []Rule {
	if d == nil {
		return nil
	}
	out := make([]Rule, len(d.rules))
	for i, r := range d.rules {
		out[i] = r.Rule
		out[i].Callers = slices.Clone(r.Callers)
		out[i].Trunks = slices.Clone(r.Trunks)
	}
	return out
}

// CheckTrunks verifies that every trunk named by a rule exists according
// to known (for example a Set's Get method returning non-nil). Errors wrap
// ErrBadConfig.
func (d *Dialplan) CheckTrunks(known func(name string) bool) error {
	if d == nil {
		return nil
	}
	for _, r := range d.rules {
		for _, t := range r.Trunks {
			if !known(t) {
				return fmt.Errorf("%w: dialplan rule %q names unknown trunk %q", ErrBadConfig, r.Name, t)
			}
		}
	}
	return nil
}

func (r *compiledRule) allows(caller string, groups []string) bool {
	if r.anyUser || r.users[caller] {
		return true
	}
	for _, g := range groups {
		if r.groups[g] {
			return true
		}
	}
	return false
}

func (r *compiledRule) matches(number string) bool {
	if r.re != nil {
		return r.re.MatchString(number)
	}
	if r.Prefix[0] == '+' {
		return strings.HasPrefix(number, r.Prefix)
	}
	return strings.HasPrefix(strings.TrimPrefix(number, "+"), r.Prefix)
}

func (r *compiledRule) rewrite(number string) (string, bool) {
	out := number
	if r.Strip > 0 || r.Prepend != "" {
		digits := strings.TrimPrefix(number, "+")
		if r.Strip > len(digits) {
			return "", false
		}
		out = r.Prepend + digits[r.Strip:]
	}
	if r.E164 {
		n, err := NormalizeE164(out, r.CountryCode)
		if err != nil {
			return "", false
		}
		out = n
	}
	return out, out != ""
}
