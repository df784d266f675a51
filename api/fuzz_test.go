package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cti3cx/cti3cx/api"
	"github.com/cti3cx/cti3cx/api/apitest"
	"github.com/cti3cx/cti3cx/schema"
	"github.com/cti3cx/cti3cx/schema/schematest"
)

// FuzzHandler feeds arbitrary methods, paths, headers and bodies to the real
// handler over a real database: no panic, no 5xx for a client's mistake,
// and every API answer is a JSON object.
func FuzzHandler(f *testing.F) {
	db := schematest.New(f)
	srv := api.NewServer(api.Deps{DB: db, AuthTTL: -1, TouchInterval: -1})
	f.Cleanup(func() { _ = srv.Close(context.Background()) })
	ten := apitest.NewTenant(f, db, schema.Tenant{Slug: "acme", DefaultDDD: "47"})
	c := ten.Contact(f, "C-1", "Maria", "Silva", "", nil, "")
	ten.ContactPhone(f, c, schema.FieldMobile, 0, "+5547999887766")

	good := `{"data":"2024-05-31","hora_inicio":"14:03","hora_fim":"14:07","telefone":"5547999887766","calltype":"Inbound","agent":"201"}`
	f.Add("GET", "/cti3cx/consult-phone/5547999887766", "acme", ten.Token, "")
	f.Add("GET", "/cti3cx/consult-phone/+5547999887766", "acme", ten.Token, "")
	f.Add("GET", "/cti3cx/consult-phone/99887766", "acme", ten.Token, "")
	f.Add("GET", "/cti3cx/consult-phone/%00%ff", "acme", ten.Token, "")
	f.Add("GET", "/cti3cx/consult-phone/", "acme", ten.Token, "")
	f.Add("PUT", "/cti3cx/end-call/1", "acme", ten.Token, good)
	f.Add("PUT", "/cti3cx/end-call/-1", "acme", ten.Token, good)
	f.Add("PUT", "/cti3cx/end-call/99999999999999999999", "acme", ten.Token, good)
	f.Add("PUT", "/cti3cx/end-call/1", "acme", ten.Token, `{ “data”: “x” }`)
	f.Add("PUT", "/cti3cx/end-call/1", "acme", ten.Token, `{"data":{"x":[1,2,{}]},"agent":null}`)
	f.Add("POST", "/cti3cx/end-call/1", "nobody", "x", good)
	f.Add("GET", "/../../etc/passwd", "", "", "")
	f.Add("GET", "/readyz", "", "", "")

	f.Fuzz(func(t *testing.T, method, path, tenant, token, body string) {
		if !validMethod(method) || !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n\t#?") {
			return // not a request a server can receive
		}
		req := httptest.NewRequest("GET", "/", strings.NewReader(body))
		req.Method = method
		req.URL.Path = path
		req.URL.RawPath = ""
		req.RequestURI = path
		req.Header.Set("tenant", tenant)
		req.Header["token_crm"] = []string{token}
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %q (tenant %q): %d %s", method, path, tenant, w.Code, w.Body)
		}
		if strings.HasPrefix(path, "/cti3cx/") && w.Header().Get("Content-Type") == "application/json; charset=utf-8" {
			var obj map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &obj); err != nil {
				t.Fatalf("%s %q: not a JSON object: %s", method, path, w.Body)
			}
		}
	})
}

func validMethod(m string) bool {
	if m == "" || len(m) > 10 {
		return false
	}
	for _, c := range m {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return m != http.MethodConnect
}
