package cti3cx_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/cti3cx/cti3cx"
)

func TestHTTPStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want int
	}{
		{nil, http.StatusOK},
		{cti3cx.Errorf(cti3cx.EINVALID, "bad"), http.StatusBadRequest},
		{cti3cx.Errorf(cti3cx.ENOTFOUND, "no"), http.StatusNotFound},
		{cti3cx.Errorf(cti3cx.ECONFLICT, "taken"), http.StatusConflict},
		{fmt.Errorf("ctx: %w", cti3cx.Errorf(cti3cx.EUNAUTHORIZED, "bad token")), http.StatusUnauthorized},
		{cti3cx.Errorf(cti3cx.EFORBIDDEN, "this token's role (sync) may not use this endpoint"), http.StatusForbidden},
		{cti3cx.Errorf(cti3cx.EUNAVAILABLE, "down"), http.StatusServiceUnavailable},
		{errors.New("pq: syntax error"), http.StatusInternalServerError},
	}
	for _, tt := range tests {
		if got := cti3cx.HTTPStatus(tt.err); got != tt.want {
			t.Errorf("HTTPStatus(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}
