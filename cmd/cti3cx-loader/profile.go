package main

import (
	"fmt"
	"regexp"

	"github.com/cti3cx/cti3cx/schema"
)

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// validateTenant checks a tenant's fields before they are stored, so that
// bad input is a usage error naming the field rather than a database error.
func validateTenant(t schema.Tenant) error {
	if !slugPattern.MatchString(t.Slug) {
		return usageError(fmt.Errorf("slug %q: use lower-case letters, digits, '-' or '_' (at most 63)", t.Slug))
	}
	return validateProfile(t.DefaultDDD, t.DialFormat)
}
