package cti3cx_test

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"testing"

	"github.com/cti3cx/cti3cx"
)

func TestErrorMapping(t *testing.T) {
	cause := fs.ErrNotExist
	tests := []struct {
		name    string
		err     error
		code    string
		message string
		exit    int
		status  int
		wrapsFS bool
	}{
		{"nil", nil, "", "", 0, http.StatusOK, false},
		{"invalid", cti3cx.Errorf(cti3cx.EINVALID, "row %d: bad", 3), cti3cx.EINVALID, "row 3: bad", 2, http.StatusBadRequest, false},
		{"not found wraps", cti3cx.Errorf(cti3cx.ENOTFOUND, "file x: %w", cause), cti3cx.ENOTFOUND, "file x: file does not exist", 1, http.StatusNotFound, true},
		{"wrapped again", fmt.Errorf("ctx: %w", cti3cx.Errorf(cti3cx.EUNAUTHORIZED, "bad token")), cti3cx.EUNAUTHORIZED, "bad token", 1, http.StatusUnauthorized, false},
		{"plain error is internal and hidden", errors.New("pq: syntax error at SELECT"), cti3cx.EINTERNAL, "internal error", 1, http.StatusInternalServerError, false},
		{"unavailable", cti3cx.Errorf(cti3cx.EUNAVAILABLE, "database unavailable"), cti3cx.EUNAVAILABLE, "database unavailable", 1, http.StatusServiceUnavailable, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cti3cx.ErrorCode(tt.err); got != tt.code {
				t.Errorf("code = %q, want %q", got, tt.code)
			}
			if got := cti3cx.ErrorMessage(tt.err); got != tt.message {
				t.Errorf("message = %q, want %q", got, tt.message)
			}
			if got := cti3cx.ExitCode(tt.err); got != tt.exit {
				t.Errorf("exit = %d, want %d", got, tt.exit)
			}
			if got := cti3cx.HTTPStatus(tt.err); got != tt.status {
				t.Errorf("status = %d, want %d", got, tt.status)
			}
			if got := errors.Is(tt.err, fs.ErrNotExist); got != tt.wrapsFS {
				t.Errorf("errors.Is(fs.ErrNotExist) = %v, want %v", got, tt.wrapsFS)
			}
		})
	}
}
