package main

import (
	"errors"
	"regexp"
	"strings"

	"github.com/cti3cx/cti3cx/cmd/internal/cli"
	"github.com/cti3cx/cti3cx/loader"
	"github.com/cti3cx/cti3cx/loader/worker"
	"github.com/cti3cx/cti3cx/normalize"
	"github.com/cti3cx/cti3cx/schema"
)

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// validateTenant checks a tenant's fields before they are stored, so that
// bad input is a usage error naming the flag rather than a database error.
func validateTenant(t schema.Tenant) error {
	if !slugPattern.MatchString(t.Slug) {
		return cli.Usagef("slug %q: use lower-case letters, digits, '-' or '_' (at most 63)", t.Slug)
	}
	if u := t.Settings.UnknownURL; u != "" && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return cli.Usagef("--unknown-url %q: want an http:// or https:// URL", u)
	}
	_, err := normalize.NewProfile(t.DefaultDDD, t.DialFormat)
	switch {
	case errors.Is(err, normalize.ErrDDD):
		return cli.Usagef("--ddd: %w", err)
	case err != nil:
		return cli.Usagef("--dial-format: %w", err)
	}
	return validateFeed(t.Settings.Feed)
}

// validateFeed checks what the worker will need to poll the feed: its URL,
// what it holds and, if given, a schedule it can parse.
func validateFeed(f *schema.FeedSettings) error {
	switch {
	case f == nil:
		return nil
	case f.URL == "":
		return cli.Usagef("--feed-url: a feed needs a URL (--feed-kind, --feed-token-env and --feed-schedule apply to it)")
	case f.Kind != loader.KindAccounts && f.Kind != loader.KindContacts:
		return cli.Usagef("--feed-kind %q: want %s or %s", f.Kind, loader.KindAccounts, loader.KindContacts)
	}
	if f.Schedule != "" {
		if err := worker.ParseSchedule(f.Schedule); err != nil {
			return cli.Usagef("--feed-schedule %q: %v (want 5 fields such as \"*/15 * * * *\", or @hourly)", f.Schedule, err)
		}
	}
	return nil
}
