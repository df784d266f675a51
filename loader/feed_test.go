package loader_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/loader"
	"github.com/cti3cx/cti3cx/schema/schematest"
)

// A token in the feed URL's query must not reach logs or the error, even
// when the network error quotes the URL.
func TestFeedErrorsHideTheQuery(t *testing.T) {
	db, ten := runTenant(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close() // nothing listens there now: connection refused

	var logs bytes.Buffer
	_, err = loader.Import(context.Background(), db, ten, loader.Options{
		Feed: "http://" + dead + "/contacts?api_key=SECRETQ", Kind: "contacts",
		FeedOptions: loader.FeedOptions{Retries: 2, RetryDelay: time.Millisecond},
		Logger:      slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err == nil {
		t.Fatal("a dead feed imported")
	}
	if all := logs.String() + err.Error(); strings.Contains(all, "SECRETQ") {
		t.Fatalf("the query's token leaked:\n%s", all)
	}
	if !strings.Contains(logs.String(), "retrying") {
		t.Fatalf("no retry was logged:\n%s", logs.String())
	}
}

// The bearer token is for the feed's own host: a next link to another host
// is followed without it.
func TestFeedTokenStaysOnItsHost(t *testing.T) {
	db, ten := runTenant(t)
	var mu sync.Mutex
	var otherAuth []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		otherAuth = append(otherAuth, r.Header.Get("Authorization"))
		mu.Unlock()
		fmt.Fprint(w, `[{"codigo":"X-2","nome":"Bia"}]`)
	}))
	defer other.Close()
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cret" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, `{"data":[{"codigo":"X-1","nome":"Ana"}],"next":%q}`, other.URL+"/page2")
	}))
	defer feed.Close()

	sum, err := loader.Import(context.Background(), db, ten, loader.Options{
		Feed: feed.URL + "/contacts", Kind: "contacts", FeedOptions: loader.FeedOptions{Token: "s3cret"},
		Logger: schematest.Logger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.RowsRead != 2 {
		t.Fatalf("read %d rows, want both pages' 2", sum.RowsRead)
	}
	if len(otherAuth) != 1 || otherAuth[0] != "" {
		t.Fatalf("the other host got Authorization %q", otherAuth)
	}
}

// A next link back to a page already read is an error, not an endless
// import inside one transaction.
func TestFeedPagingLoopIsAnError(t *testing.T) {
	db, ten := runTenant(t)
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next := "/a"
		if r.URL.Path == "/a" {
			next = "/b"
		}
		fmt.Fprintf(w, `{"data":[{"codigo":%q,"nome":"N"}],"next":%q}`, r.URL.Path, srv.URL+next)
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := loader.Import(ctx, db, ten, loader.Options{Feed: srv.URL + "/a", Kind: "contacts", Logger: schematest.Logger(t)})
	if cti3cx.ErrorCode(err) != cti3cx.EINVALID || !strings.Contains(err.Error(), "already read") {
		t.Fatalf("a looping feed: %v", err)
	}
}
