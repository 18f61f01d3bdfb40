package metrics

import "errors"

// ErrHookPanic reports that a function registered with OnScrape panicked.
// The scrape still returns every metric; the panic is logged and surfaced
// to the HTTP handler as a collection error wrapping this sentinel.
var ErrHookPanic = errors.New("metrics: scrape hook panicked")
