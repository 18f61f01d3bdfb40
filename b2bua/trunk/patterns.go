package trunk

import (
	"fmt"
	"regexp"
)

// PatternSet is a list of regular expressions for per-user allowed
// destinations. A nil *PatternSet matches every number. It is immutable and
// safe for concurrent use.
type PatternSet struct {
	res []*regexp.Regexp
}

// NewPatternSet compiles patterns (Go RE2 syntax, not anchored
// implicitly). An empty list yields a nil set, which matches everything.
// Errors wrap ErrBadConfig.
func NewPatternSet(patterns []string) (*PatternSet, error) {
	if len(patterns) == 0 {
		return nil, nil
	}
	p := &PatternSet{res: make([]*regexp.Regexp, 0, len(patterns))}
	for _, s := range patterns {
		if s == "" {
			return nil, fmt.Errorf("%w: empty destination pattern", ErrBadConfig)
		}
		re, err := regexp.Compile(s)
		if err != nil {
			return nil, fmt.Errorf("%w: destination pattern %q: %w", ErrBadConfig, s, err)
		}
		p.res = append(p.res, re)
	}
	return p, nil
}

// Match reports whether number matches any pattern; a nil set matches
// every number.
func (p *PatternSet) Match(number string) bool {
	if p == nil {
		return true
	}
	for _, re := range p.res {
		if re.MatchString(number) {
			return true
		}
	}
	return false
}
