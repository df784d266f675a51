package main

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/cti3cx/cti3cx/normalize"
	"github.com/cti3cx/cti3cx/schema"
)

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// validateTenant checks a tenant's fields before they are stored, so that
// bad input is a usage error naming the flag rather than a database error.
func validateTenant(t schema.Tenant) error {
	if !slugPattern.MatchString(t.Slug) {
		return usageError(fmt.Errorf("slug %q: use lower-case letters, digits, '-' or '_' (at most 63)", t.Slug))
	}
	if u := t.Settings.UnknownURL; u != "" && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return usageError(fmt.Errorf("--unknown-url %q: want an http:// or https:// URL", u))
	}
	_, err := normalize.NewProfile(t.DefaultDDD, t.DialFormat)
	switch {
	case errors.Is(err, normalize.ErrDDD):
		return usageError(fmt.Errorf("--ddd: %w", err))
	case err != nil:
		return usageError(fmt.Errorf("--dial-format: %w", err))
	}
	return nil
}
