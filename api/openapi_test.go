package api_test

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/cti3cx/cti3cx/api"
	"github.com/cti3cx/cti3cx/loader/export"
	"github.com/cti3cx/cti3cx/review"
	"github.com/cti3cx/cti3cx/schema"
)

// jsonKeys lists a struct's JSON keys in field order.
func jsonKeys(v any) []string {
	t := reflect.TypeOf(v)
	var keys []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		keys = append(keys, name)
	}
	return keys
}

type openAPIDoc struct {
	OpenAPI string `yaml:"openapi"`
	Paths   map[string]map[string]struct {
		Responses map[string]any `yaml:"responses"`
	} `yaml:"paths"`
	Components struct {
		Schemas map[string]struct {
			Required   []string                  `yaml:"required"`
			Properties yaml.Node                 `yaml:"properties"`
			Enum       []string                  `yaml:"enum"`
			Props      map[string]map[string]any `yaml:"-"`
		} `yaml:"schemas"`
	} `yaml:"components"`
}

// propertyNames keeps the YAML order of a properties mapping.
func propertyNames(n yaml.Node) []string {
	var names []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		names = append(names, n.Content[i].Value)
	}
	return names
}

// The OpenAPI description stays true to the handlers' types.
func TestOpenAPIMatchesTypes(t *testing.T) {
	var doc openAPIDoc
	if err := yaml.Unmarshal(api.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	for path, methods := range map[string][]string{"/cti3cx/consult-phone/{phone}": {"get"}, "/cti3cx/end-call/{id}": {"put", "post", "patch"},
		"/cti3cx/normalize": {"get"}, "/cti3cx/changes": {"get"}} {
		for _, method := range methods {
			if _, ok := doc.Paths[path][method]; !ok {
				t.Errorf("%s %s missing", method, path)
			}
		}
	}
	schemas := doc.Components.Schemas
	for name, typ := range map[string]any{"Contact": api.Contact{}, "EndCallRequest": api.EndCallRequest{}, "Reading": review.Reading{},
		"ChangesPage": api.ChangesPage{}, "Change": api.Change{}, "RecordPhone": export.Phone{}} {
		got := propertyNames(schemas[name].Properties)
		if want := jsonKeys(typ); !slices.Equal(got, want) {
			t.Errorf("%s properties %v, want %v", name, got, want)
		}
		if !slices.Equal(schemas[name].Required, jsonKeys(typ)) {
			t.Errorf("%s required %v", name, schemas[name].Required)
		}
	}
	var calltype struct {
		Pattern string   `yaml:"pattern"`
		Stored  []string `yaml:"x-stored-values"`
	}
	for i := 0; i+1 < len(schemas["EndCallRequest"].Properties.Content); i += 2 {
		if schemas["EndCallRequest"].Properties.Content[i].Value == "calltype" {
			_ = schemas["EndCallRequest"].Properties.Content[i+1].Decode(&calltype)
		}
	}
	if want := []string{"Inbound", "Outbound", "Missed", "Notanswered"}; !slices.Equal(calltype.Stored, want) {
		t.Errorf("calltype stored values %v, want %v", calltype.Stored, want)
	}
	// The pattern accepts what end-call accepts: any case, Unanswered too.
	re, err := regexp.Compile(calltype.Pattern)
	if err != nil {
		t.Fatalf("calltype pattern: %v", err)
	}
	for v, want := range map[string]bool{"Inbound": true, "inbound": true, "OUTBOUND": true, "missed": true, "NotAnswered": true,
		"Unanswered": true, " Inbound ": true, "busy": false, "Inbound2": false, "": false} {
		if re.MatchString(v) != want {
			t.Errorf("calltype pattern on %q: %v, want %v", v, !want, want)
		}
	}
	if got := jsonKeys(api.ConsultResponse{}); !slices.Equal(got, []string{"contact"}) {
		t.Errorf("ConsultResponse keys %v", got)
	}
	// Every status the handlers answer is described.
	for _, code := range []string{"200", "400", "401", "404", "429", "500", "503"} {
		for path, ops := range doc.Paths {
			for method, op := range ops {
				if code == "404" && (path == "/cti3cx/normalize" || path == "/cti3cx/changes") {
					continue // nothing to find: an unknown tenant is a 401
				}
				if _, ok := op.Responses[code]; !ok {
					t.Errorf("%s %s: no %s response", method, path, code)
				}
			}
		}
	}
	// A change's record has the export's columns, then its phones.
	for name, rec := range map[string]any{"AccountRecord": export.AccountRecord{}, "ContactRecord": export.ContactRecord{}} {
		want := jsonKeys(rec)
		kind := schema.KindAccount
		if name == "ContactRecord" {
			kind = schema.KindContact
		}
		if !slices.Equal(want, append(export.Columns(kind), "phones")) {
			t.Errorf("%s keys %v are not the export's columns %v", name, want, export.Columns(kind))
		}
		if got := propertyNames(schemas[name].Properties); !slices.Equal(got, want) || !slices.Equal(schemas[name].Required, want) {
			t.Errorf("%s properties %v required %v, want %v", name, got, schemas[name].Required, want)
		}
	}
	for _, m := range []string{"put", "post", "patch"} {
		for _, code := range []string{"408", "422"} {
			if _, ok := doc.Paths["/cti3cx/end-call/{id}"][m].Responses[code]; !ok {
				t.Errorf("end-call %s: no %s response", m, code)
			}
		}
	}
	testOpenAPISecurity(t)
}

// token_crm and tenant are apiKey security schemes required everywhere, and
// errors and successes declare X-Request-Id.
func testOpenAPISecurity(t *testing.T) {
	var doc struct {
		Security   []map[string][]string `yaml:"security"`
		Components struct {
			SecuritySchemes map[string]struct{ Type, In, Name string } `yaml:"securitySchemes"`
			Responses       map[string]struct {
				Headers map[string]any `yaml:"headers"`
			} `yaml:"responses"`
		} `yaml:"components"`
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Headers map[string]any `yaml:"headers"`
			} `yaml:"responses"`
		} `yaml:"paths"`
	}
	if err := yaml.Unmarshal(api.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{api.HeaderToken, api.HeaderTenant} {
		s := doc.Components.SecuritySchemes[name]
		if s.Type != "apiKey" || s.In != "header" || s.Name != name {
			t.Errorf("security scheme %s: %+v", name, s)
		}
	}
	if len(doc.Security) != 1 || doc.Security[0][api.HeaderToken] == nil || doc.Security[0][api.HeaderTenant] == nil {
		t.Errorf("global security %v: want token_crm and tenant together", doc.Security)
	}
	for _, r := range []string{"Error", "TooManyFailures"} {
		if doc.Components.Responses[r].Headers[api.HeaderRequestID] == nil {
			t.Errorf("response %s lacks %s", r, api.HeaderRequestID)
		}
	}
	if doc.Components.Responses["TooManyFailures"].Headers["Retry-After"] == nil {
		t.Error("429 lacks Retry-After")
	}
	for path, methods := range map[string][]string{"/cti3cx/consult-phone/{phone}": {"get"}, "/cti3cx/end-call/{id}": {"put", "post", "patch"}} {
		for _, m := range methods {
			if doc.Paths[path][m].Responses["200"].Headers[api.HeaderRequestID] == nil {
				t.Errorf("%s %s 200 lacks %s", m, path, api.HeaderRequestID)
			}
		}
	}
}
