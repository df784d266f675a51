package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cti3cx/cti3cx/api"
	"github.com/cti3cx/cti3cx/api/apitest"
	"github.com/cti3cx/cti3cx/schema"
)

func (f *fixture) newCall(t *testing.T) string {
	t.Helper()
	return decodeContacts(t, f.consult(f.acme, "5547999887766"))[0].CustomValue
}

func (f *fixture) endCall(ten *apitest.Tenant, id, body string) reply {
	return f.do("PUT", "/cti3cx/end-call/"+id, auth(ten), body)
}

const goodBody = `{"data":"2024-05-31","hora_inicio":"14:03:10","hora_fim":"14:07:55","telefone":"5547999887766","calltype":"Inbound","agent":"201"}`

func TestEndCallStoresAndIsIdempotent(t *testing.T) {
	f := newFixture(t, api.Deps{})
	id := f.newCall(t)
	for i := range 2 {
		r := f.endCall(f.acme, id, goodBody)
		want := `{"success":"call ` + id + ` recorded"}` + "\n"
		if r.status != 200 || r.body != want || r.header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Fatalf("PUT #%d: %d %q", i+1, r.status, r.body)
		}
	}
	calls, err := f.db.ListCalls(context.Background(), f.acme.ID, schema.CallFilter{})
	if err != nil || len(calls) != 1 {
		t.Fatalf("%v %d", err, len(calls))
	}
	c := calls[0]
	if c.Date.Format("2006-01-02") != "2024-05-31" || *c.Start != 14*time.Hour+3*time.Minute+10*time.Second ||
		*c.Duration != 4*time.Minute+45*time.Second || c.Type != "Inbound" || c.Agent != "201" || c.Phone != "5547999887766" {
		t.Errorf("stored %+v", c)
	}
}

func TestEndCallForms(t *testing.T) {
	f := newFixture(t, api.Deps{})
	for _, tc := range []struct {
		name, data, start, end, calltype string
		wantType                         string
		wantDur                          time.Duration
	}{
		{"dd/mm/yyyy and HH:MM", "31/05/2024", "10:00", "10:30", "outbound", "Outbound", 30 * time.Minute},
		{"dd.mm.yyyy", "31.05.2024", "10:00:00", "10:00:42", "MISSED", "Missed", 42 * time.Second},
		{"crossed midnight", "2024-05-31", "23:59:30", "00:01:00", "Notanswered", "Notanswered", 90 * time.Second},
		{"Unanswered", "2024-05-31", "08:00", "08:00", "Unanswered", "Notanswered", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := f.newCall(t)
			body := fmt.Sprintf(`{"data":%q,"hora_inicio":%q,"hora_fim":%q,"telefone":"+55 (47) 99988-7766","calltype":%q,"agent":"201"}`,
				tc.data, tc.start, tc.end, tc.calltype)
			if r := f.endCall(f.acme, id, body); r.status != 200 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			var typ string
			var dur int
			if err := f.db.Pool.QueryRow(context.Background(), `SELECT call_type, duration_s FROM calls WHERE call_no = $1`, id).Scan(&typ, &dur); err != nil {
				t.Fatal(err)
			}
			if typ != tc.wantType || time.Duration(dur)*time.Second != tc.wantDur {
				t.Errorf("stored %s %ds, want %s %v", typ, dur, tc.wantType, tc.wantDur)
			}
		})
	}
}

func TestEndCallRefusals(t *testing.T) {
	f := newFixture(t, api.Deps{})
	id := f.newCall(t)
	other := apitest.NewTenant(t, f.db, schema.Tenant{Slug: "other", DefaultDDD: "47"})
	replace := func(key, val string) string {
		return strings.Replace(goodBody, fmt.Sprintf(`"%s":`, key), fmt.Sprintf(`"%s":%s,"_was":`, key, val), 1)
	}
	for _, tc := range []struct {
		name       string
		ten        *apitest.Tenant
		id, body   string
		status     int
		wantInBody string
	}{
		{"typographic quotes", f.acme, id, `{ “data”: “2024-05-31”, “hora_inicio”: “10:00” }`, 400, "typographic quotes"},
		{"not JSON", f.acme, id, `data=2024-05-31`, 400, "malformed JSON"},
		{"truncated", f.acme, id, `{"data":"2024-05-31"`, 400, "malformed JSON"},
		{"empty", f.acme, id, ``, 400, "empty body"},
		{"two objects", f.acme, id, goodBody + goodBody, 400, "after the object"},
		{"array", f.acme, id, `[1,2]`, 400, "malformed JSON"},
		{"too big", f.acme, id, `{"agent":"` + strings.Repeat("x", 20000) + `"}`, 400, "larger than"},
		{"missing field", f.acme, id, `{"data":"2024-05-31"}`, 422, `field \"hora_inicio\" is missing`},
		{"bad date", f.acme, id, replace("data", `"31-05-2024"`), 422, `field \"data\"`},
		{"impossible date", f.acme, id, replace("data", `"2024-02-30"`), 422, `field \"data\"`},
		{"bad time", f.acme, id, replace("hora_inicio", `"25:00"`), 422, `field \"hora_inicio\"`},
		{"bad end time", f.acme, id, replace("hora_fim", `"7:5"`), 422, `field \"hora_fim\"`},
		{"bad calltype", f.acme, id, replace("calltype", `"Transferred"`), 422, `field \"calltype\"`},
		{"number as date", f.acme, id, replace("data", `20240531`), 422, `field \"data\"`},
		{"bad phone", f.acme, id, replace("telefone", `"call me"`), 422, `field \"telefone\"`},
		{"control chars in agent", f.acme, id, replace("agent", `"20\u00001"`), 422, `field \"agent\"`},
		{"unknown call", f.acme, "999999999", goodBody, 404, "not found"},
		{"other tenant's call", other, id, goodBody, 404, "not found"},
		{"id not a number", f.acme, "abc", goodBody, 400, "call id"},
		{"id zero", f.acme, "0", goodBody, 400, "call id"},
		{"id with a plus", f.acme, "+" + id, goodBody, 422, "without a sign"},
		{"id with a minus", f.acme, "-" + id, goodBody, 422, "without a sign"},
		{"date before 2000", f.acme, id, replace("data", `"1999-12-31"`), 422, `field \"data\": 1999-12-31 is outside`},
		{"date far ahead", f.acme, id, replace("data", `"`+time.Now().AddDate(0, 0, 3).Format("2006-01-02")+`"`), 422, `field \"data\"`},
		{"date year 9999", f.acme, id, replace("data", `"31/12/9999"`), 422, `field \"data\"`},
		{"phone of 2 digits", f.acme, id, replace("telefone", `"12"`), 422, `field \"telefone\"`},
		{"phone with a sign inside", f.acme, id, replace("telefone", `"5547+999887766"`), 422, `field \"telefone\"`},
		{"phone with a leading minus", f.acme, id, replace("telefone", `"-5547999887766"`), 422, `field \"telefone\"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := f.endCall(tc.ten, tc.id, tc.body)
			if r.status != tc.status || !strings.HasPrefix(r.body, `{"error":"`) || !strings.Contains(r.body, tc.wantInBody) {
				t.Errorf("got %d %s, want %d containing %q", r.status, r.body, tc.status, tc.wantInBody)
			}
		})
	}
	var ended bool
	_ = f.db.Pool.QueryRow(context.Background(), `SELECT ended_at IS NOT NULL FROM calls WHERE call_no = $1`, id).Scan(&ended)
	if ended {
		t.Error("a refused end-call changed the call")
	}
}

// end-call answers PUT (the contract), POST (what 3CX templates send) and
// PATCH alike; other methods are 405 with Allow.
func TestEndCallMethods(t *testing.T) {
	f := newFixture(t, api.Deps{})
	for _, m := range []string{"PUT", "POST", "PATCH"} {
		id := f.newCall(t)
		r := f.do(m, "/cti3cx/end-call/"+id, auth(f.acme), goodBody)
		if r.status != 200 || r.body != `{"success":"call `+id+` recorded"}`+"\n" {
			t.Errorf("%s: %d %s", m, r.status, r.body)
		}
		var ended bool
		if err := f.db.Pool.QueryRow(context.Background(), `SELECT ended_at IS NOT NULL FROM calls WHERE call_no = $1`, id).Scan(&ended); err != nil || !ended {
			t.Errorf("%s: call not journaled (%v)", m, err)
		}
	}
	for _, tc := range []struct{ method, path, allow string }{
		{"GET", "/cti3cx/end-call/1", "POST, PUT, PATCH"},
		{"DELETE", "/cti3cx/end-call/1", "POST, PUT, PATCH"},
		{"POST", "/cti3cx/consult-phone/5547999887766", "GET"},
		{"DELETE", "/healthz", "GET"},
	} {
		r := f.do(tc.method, tc.path, auth(f.acme), "")
		if r.status != 405 || r.header.Get("Allow") != tc.allow || !strings.HasPrefix(r.body, `{"error":"method `+tc.method) {
			t.Errorf("%s %s: %d Allow %q %s", tc.method, tc.path, r.status, r.header.Get("Allow"), r.body)
		}
	}
}

// HEAD on consult-phone would run a lookup that records a call: refused,
// and no call appears.
func TestConsultPhoneHeadRecordsNoCall(t *testing.T) {
	f := newFixture(t, api.Deps{})
	r := f.do("HEAD", "/cti3cx/consult-phone/5547999887766", auth(f.acme), "")
	if r.status != 405 || r.header.Get("Allow") != "GET" {
		t.Errorf("HEAD: %d Allow %q", r.status, r.header.Get("Allow"))
	}
	var n int
	if err := f.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM calls`).Scan(&n); err != nil || n != 0 {
		t.Errorf("HEAD made %d call(s) (%v)", n, err)
	}
}
