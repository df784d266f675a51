package api_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cti3cx/cti3cx/api"
	"github.com/cti3cx/cti3cx/schema"
)

// The 3CX template as 3CX reads it (the parts we rely on).
type crmTemplate struct {
	XMLName    xml.Name `xml:"Crm"`
	Parameters []struct {
		Name string `xml:"Name,attr"`
	} `xml:"Parameters>Parameter"`
	Auth      struct{ Type string } `xml:"Authentication"`
	Scenarios []struct {
		ID      string `xml:"Id,attr"`
		Request struct {
			URL         string  `xml:"Url,attr"`
			RequestType string  `xml:"RequestType,attr"`
			Encoding    string  `xml:"RequestEncoding,attr"`
			ContentType string  `xml:"RequestContentType,attr"`
			Headers     []value `xml:"Headers>Value"`
			PostValues  []value `xml:"PostValues>Value"`
		} `xml:"Request"`
		Rules     []string `xml:"Rules>Rule"`
		Variables []struct {
			Name string `xml:"Name,attr"`
			Path string `xml:"Path,attr"`
		} `xml:"Variables>Variable"`
		Outputs []struct {
			Type   string `xml:"Type,attr"`
			Passes int    `xml:"Passes,attr"`
			Value  string `xml:"Value,attr"`
		} `xml:"Outputs>Output"`
	} `xml:"Scenarios>Scenario"`
}

type value struct {
	Key    string `xml:"Key,attr"`
	Passes int    `xml:"Passes,attr"`
	Text   string `xml:",chardata"`
}

var (
	toStringRe = regexp.MustCompile(`\[\[(\w+)\]\.ToString\("([^"]+)"\)\]`)
	varRe      = regexp.MustCompile(`\[([^\[\]]*)\]`)
	netLayout  = strings.NewReplacer("yyyy", "2006", "MM", "01", "dd", "02", "HH", "15", "mm", "04", "ss", "05")
)

// expand does what 3CX does with [Name] and [[Time].ToString("fmt")], as
// many times as passes says: a value is evaluated once with Passes 0 or 1,
// and its result evaluated again for each pass beyond the first. A second
// pass reads CRM text such as "Acme [Filial SP]" as an expression: [Filial
// SP] names no variable and evaluates to nothing.
func expand(s string, passes int, vars map[string]string, times map[string]time.Time) string {
	for range max(passes, 1) {
		s = toStringRe.ReplaceAllStringFunc(s, func(m string) string {
			sub := toStringRe.FindStringSubmatch(m)
			return times[sub[1]].Format(netLayout.Replace(sub[2]))
		})
		s = varRe.ReplaceAllStringFunc(s, func(m string) string { return vars[m[1:len(m)-1]] })
	}
	return s
}

// The templates 3CX admins upload: the contract's PUT and the POST one.
var templates = []struct{ file, method string }{
	{"../samples/3cx/cti3cx.xml", "PUT"},
	{"../samples/3cx/cti3cx-post.xml", "POST"},
}

// Each template parses, maps only keys our answer has, and drives the real
// API through a lookup and a call report as 3CX would: outputs evaluated
// with their Passes, the body sent with the RequestContentType.
func TestThreeCXTemplate(t *testing.T) {
	for _, tpl := range templates {
		t.Run(tpl.method, func(t *testing.T) { testTemplate(t, tpl.file, tpl.method) })
	}
}

func loadTemplate(t *testing.T, file string) crmTemplate {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range regexp.MustCompile(`(?s)<!--(.*?)-->`).FindAllSubmatch(raw, -1) {
		if bytes.Contains(c[1], []byte("--")) {
			t.Error(`"--" inside an XML comment makes 3CX refuse the upload`)
		}
	}
	var tpl crmTemplate
	if err := xml.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl
}

// threeCXRequest builds the request 3CX would send for a scenario: .NET
// refuses Content-Type among the headers, so the template must give it as
// RequestContentType when the request has a body.
func threeCXRequest(t *testing.T, method, url string, headers []value, contentType string, body []byte, env map[string]string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range headers {
		if strings.EqualFold(h.Key, "Content-Type") {
			t.Errorf("header %s: 3CX (.NET) refuses Content-Type among request headers; use RequestContentType", h.Key)
			continue
		}
		req.Header[h.Key] = []string{expand(h.Text, h.Passes, env, nil)}
	}
	if body != nil {
		if contentType != "application/json" {
			t.Errorf("a JSON body with RequestContentType %q, want application/json", contentType)
		}
		req.Header.Set("Content-Type", contentType)
	}
	return req
}

func testTemplate(t *testing.T, file, method string) {
	tpl := loadTemplate(t, file)
	params := map[string]bool{}
	for _, p := range tpl.Parameters {
		params[p.Name] = true
	}
	for _, want := range []string{"BaseUrl", "Token", "Tenant"} {
		if !params[want] {
			t.Errorf("no parameter %s", want)
		}
	}
	if len(tpl.Scenarios) != 2 || tpl.Scenarios[0].ID != "" || tpl.Scenarios[1].ID != "ReportCall" {
		t.Fatalf("want the lookup and ReportCall scenarios, got %d", len(tpl.Scenarios))
	}
	lookup, report := tpl.Scenarios[0], tpl.Scenarios[1]
	if got := strings.ToUpper(report.Request.RequestType); got != method {
		t.Errorf("ReportCall sends %s, want %s", got, method)
	}

	keys := jsonKeys(api.Contact{})
	vars := map[string]bool{}
	for _, v := range lookup.Variables {
		key, ok := strings.CutPrefix(v.Path, "contact.")
		if !ok || !slices.Contains(keys, key) {
			t.Errorf("variable %s maps %q, which our answer lacks", v.Name, v.Path)
		}
		vars[v.Name] = true
	}
	for _, o := range lookup.Outputs {
		for _, m := range varRe.FindAllStringSubmatch(o.Value, -1) {
			if !vars[m[1]] && !params[m[1]] {
				t.Errorf("output %s uses [%s], which no variable defines", o.Type, m[1])
			}
		}
	}
	if !slices.Equal(lookup.Rules, []string{"contact.id"}) {
		t.Errorf("rules %v", lookup.Rules)
	}

	// Run it against the real API, for a contact whose company text looks
	// like an expression.
	f := newFixture(t, api.Deps{})
	joao := f.acme.Contact(t, "C-2001", "João", "Souza", "", nil, "Acme [Filial SP]")
	f.acme.ContactPhone(t, joao, schema.FieldMobile, 0, "+5547988776655")
	env := map[string]string{"BaseUrl": f.http.URL, "Token": f.acme.Token, "Tenant": "acme", "Number": "+5547988776655"}
	req := threeCXRequest(t, strings.ToUpper(lookup.Request.RequestType), expand(lookup.Request.URL, 1, env, nil),
		lookup.Request.Headers, lookup.Request.ContentType, nil, env)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body map[string][]map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 200 {
		t.Fatalf("lookup: %d %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	for _, v := range lookup.Variables {
		env[v.Name] = body["contact"][0][strings.TrimPrefix(v.Path, "contact.")]
	}
	got := map[string]string{}
	for _, o := range lookup.Outputs {
		got[o.Type] = expand(o.Value, o.Passes, env, nil)
	}
	for _, want := range []string{"FirstName", "LastName", "CompanyName", "Email", "PhoneBusiness", "PhoneBusiness2", "PhoneMobile", "PhoneMobile2", "ContactUrl", "EntityId", "CustomValue"} {
		if _, ok := got[want]; !ok {
			t.Errorf("no %s output", want)
		}
	}
	if got["FirstName"] != "João" || got["CompanyName"] != "Acme [Filial SP]" || got["PhoneMobile"] != "+5547988776655" || got["EntityId"] == "" || got["CustomValue"] != got["EntityId"] {
		t.Fatalf("3CX would see %v", got)
	}
	if again := expand("[CompanyName]", 2, env, nil); again == "Acme [Filial SP]" {
		t.Fatalf("the model does not re-read a second pass: %q", again)
	}

	// ReportCall, with EntityId as 3CX hands it back.
	for k, v := range map[string]string{"EntityId": got["EntityId"], "CallType": "Inbound", "Agent": "201", "ReportCallEnabled": "True"} {
		env[k] = v
	}
	times := map[string]time.Time{
		"CallStartTimeLocal": time.Date(2024, 5, 31, 23, 58, 0, 0, time.Local),
		"CallEndTimeLocal":   time.Date(2024, 6, 1, 0, 3, 30, 0, time.Local),
	}
	post := map[string]string{}
	var postKeys []string
	for _, v := range report.Request.PostValues {
		post[v.Key] = expand(v.Text, v.Passes, env, times)
		postKeys = append(postKeys, v.Key)
	}
	if want := jsonKeys(api.EndCallRequest{}); !slices.Equal(postKeys, want) {
		t.Errorf("ReportCall sends %v, end-call wants %v", postKeys, want)
	}
	if report.Request.Encoding != "Json" {
		t.Errorf("ReportCall RequestEncoding %q, want Json", report.Request.Encoding)
	}
	payload, _ := json.Marshal(post)
	req = threeCXRequest(t, method, expand(report.Request.URL, 1, env, nil), report.Request.Headers, report.Request.ContentType, payload, env)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("ReportCall %s: %d", payload, resp.StatusCode)
	}
	var dur int
	if err := f.db.Pool.QueryRow(t.Context(), `SELECT duration_s FROM calls WHERE call_no = $1`, got["EntityId"]).Scan(&dur); err != nil || dur != 330 {
		t.Errorf("journaled duration %d (%v), want 330 s across midnight", dur, err)
	}
}

// The Postman collection calls both endpoints the way the API expects, and
// its examples have the answer's exact keys.
func TestPostmanCollection(t *testing.T) {
	raw, err := os.ReadFile("../samples/postman/cti3cx.postman_collection.json")
	if err != nil {
		t.Fatal(err)
	}
	var col struct {
		Info     struct{ Schema string }
		Variable []struct{ Key, Value string }
		Item     []struct {
			Name  string
			Event []struct {
				Listen string
				Script struct{ Exec []string }
			}
			Request struct {
				Method string
				Header []struct{ Key, Value string }
				Body   struct{ Raw string }
				URL    struct{ Raw string } `json:"url"`
			}
			Response []struct {
				Code int
				Body string
			}
		}
	}
	if err := json.Unmarshal(raw, &col); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(col.Info.Schema, "v2.1.0") || len(col.Item) != 3 {
		t.Fatalf("collection: %+v", col.Info)
	}
	for _, v := range col.Variable {
		if v.Key == "callId" && v.Value != "" {
			t.Errorf("callId defaults to %q: end-call would re-record that call when consult-phone finds nobody", v.Value)
		}
	}
	script := func(name, listen string) string {
		for _, it := range col.Item {
			for _, e := range it.Event {
				if it.Name == name && e.Listen == listen {
					return strings.Join(e.Script.Exec, "\n")
				}
			}
		}
		return ""
	}
	// consult-phone empties callId when it found nobody; end-call skips
	// itself without a call id.
	if s := script("consult-phone", "test"); !regexp.MustCompile(`set\('callId', found \? body\.contact\[0\]\.customvalue : ''\)`).MatchString(s) {
		t.Errorf("consult-phone's test does not empty callId when nothing was found:\n%s", s)
	}
	if s := script("end-call", "prerequest"); !regexp.MustCompile(`if \(!pm\.collectionVariables\.get\('callId'\)\) \{[^}]*pm\.execution\.skipRequest\(\)`).MatchString(s) {
		t.Errorf("end-call does not skip itself without a call id:\n%s", s)
	}
	for _, it := range col.Item {
		hdr := map[string]string{}
		for _, h := range it.Request.Header {
			hdr[h.Key] = h.Value
		}
		if hdr["token_crm"] == "" || hdr["tenant"] == "" {
			t.Errorf("%s: headers %v", it.Name, hdr)
		}
		switch it.Name {
		case "consult-phone":
			if it.Request.Method != "GET" || !strings.HasSuffix(it.Request.URL.Raw, "/cti3cx/consult-phone/{{phone}}") {
				t.Errorf("consult-phone: %s %s", it.Request.Method, it.Request.URL.Raw)
			}
			for _, r := range it.Response {
				if r.Code != 200 {
					continue
				}
				dec := json.NewDecoder(strings.NewReader(r.Body))
				var resp api.ConsultResponse
				if err := dec.Decode(&resp); err != nil {
					t.Fatal(err)
				}
				again, _ := json.Marshal(resp)
				if string(again) != r.Body {
					t.Errorf("example answer differs from the API's shape:\n%s\n%s", r.Body, again)
				}
			}
		case "changes":
			if hdr["token_crm"] != "{{syncToken}}" || it.Request.Method != "GET" ||
				!strings.HasSuffix(it.Request.URL.Raw, "/cti3cx/changes?since={{since}}&limit=1000") {
				t.Errorf("changes: %s %s %v", it.Request.Method, it.Request.URL.Raw, hdr)
			}
			if s := script("changes", "test"); !strings.Contains(s, "pm.collectionVariables.set('since', pm.response.json().next)") {
				t.Errorf("changes does not keep next for the next run:\n%s", s)
			}
			for _, r := range it.Response {
				var page struct {
					Changes []map[string]json.RawMessage
					Next    string
				}
				if err := json.Unmarshal([]byte(r.Body), &page); err != nil || len(page.Changes) == 0 || page.Next == "" {
					t.Fatalf("changes example %q: %v", r.Body, err)
				}
				var keys []string
				for k := range page.Changes[0] {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				want := jsonKeys(api.Change{})
				slices.Sort(want)
				if !slices.Equal(keys, want) {
					t.Errorf("changes example keys %v, want %v", keys, want)
				}
			}
		case "end-call":
			var body map[string]string
			if err := json.Unmarshal([]byte(it.Request.Body.Raw), &body); err != nil {
				t.Fatal(err)
			}
			var keys []string
			for k := range body {
				keys = append(keys, k)
			}
			want := jsonKeys(api.EndCallRequest{})
			slices.Sort(keys)
			slices.Sort(want)
			if it.Request.Method != "PUT" || !slices.Equal(keys, want) {
				t.Errorf("end-call: %s %v", it.Request.Method, keys)
			}
		default:
			t.Errorf("unexpected item %s", it.Name)
		}
	}
}
