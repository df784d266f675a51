// Package cti3cx holds what every part of the product shares: the error type
// whose codes the edges map, each once: HTTPStatus (below) for the two HTTP
// edges, api and the review pages it serves; the exit codes of both binaries
// in cmd/internal/cli.
//
// The work itself lives in sub-packages: normalize (phone numbers), schema
// (PostgreSQL), loader (imports, revalidation, reports) and api (3CX's HTTP
// endpoints). The binaries in cmd/ wire them together.
package cti3cx

import (
	"errors"
	"fmt"
	"net/http"
)

// Error codes. Each edge maps them once (HTTPStatus for api and review;
// cmd/internal/cli for exit codes). Anything without a code is internal.
const (
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	ECONFLICT     = "conflict"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	EUNAVAILABLE  = "unavailable"
	EINTERNAL     = "internal"
)

// Error is an error meant for the user of the product: Message is safe to
// show; Err, when set, is the cause kept for logs and errors.Is/As.
type Error struct {
	Code    string
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil && e.Message == "" {
		return e.Err.Error()
	}
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message. A %w
// verb in format wraps the cause as with fmt.Errorf.
func Errorf(code, format string, args ...any) *Error {
	wrapped := fmt.Errorf(format, args...)
	return &Error{Code: code, Message: wrapped.Error(), Err: errors.Unwrap(wrapped)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// when there is none, and "" for a nil error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code != "" {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message safe to show a user: the *Error's message,
// or a generic text for internal errors, whose details belong in logs only.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		if e.Message != "" {
			return e.Message
		}
		if e.Err != nil {
			return e.Err.Error()
		}
	}
	return "internal error"
}

// HTTPStatus maps an error to an HTTP status, for the product's two HTTP
// edges (api for 3CX and the CRM, review for staff): both answer the same
// status for the same code. The CLI's exit codes are cmd/internal/cli's.
func HTTPStatus(err error) int {
	switch ErrorCode(err) {
	case "":
		return http.StatusOK
	case EINVALID:
		return http.StatusBadRequest
	case ENOTFOUND:
		return http.StatusNotFound
	case ECONFLICT:
		return http.StatusConflict
	case EUNAUTHORIZED:
		return http.StatusUnauthorized
	case EFORBIDDEN:
		return http.StatusForbidden
	case EUNAVAILABLE:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}
