package accounts

// Account is one stored user.
type Account struct {
	// Name is the SIP user name.
	Name string `json:"name"`
	// Realm is the digest realm the HA1 values were computed for.
	Realm string `json:"realm"`
	// HA1MD5 and HA1SHA256 are hex digests of "name:realm:password".
	HA1MD5    string `json:"ha1_md5"`
	HA1SHA256 string `json:"ha1_sha256"`
	// Allow, Groups and MaxCalls are the user's policy.
	Allow    []string `json:"allow,omitempty"`
	Groups   []string `json:"groups,omitempty"`
	MaxCalls int      `json:"max_calls,omitempty"`
}

// Store keeps accounts. Implementations are safe for concurrent use.
type Store interface {
	// All returns every account, sorted by name.
	All() ([]Account, error)
	// Put creates or replaces the account with a's name.
	Put(a Account) error
	// Delete removes an account; ErrNotFound when there is none.
	Delete(name string) error
	// Close releases the store; idempotent.
	Close() error
}
