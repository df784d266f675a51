package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/cti3cx/cti3cx/api"
	"github.com/cti3cx/cti3cx/schema"
)

// consulter asks the real API handler, over HTTP, who is calling.
type consulter struct {
	t     *testing.T
	url   string
	token string
}

func (e *importEnv) consulter() *consulter {
	e.t.Helper()
	srv := api.NewServer(api.Deps{DB: e.db})
	hs := httptest.NewServer(srv)
	e.t.Cleanup(func() { hs.Close(); srv.Close(context.Background()) })
	_, secret, err := e.db.IssueToken(context.Background(), e.tenant.ID, "e2e", schema.RolePBX)
	if err != nil {
		e.t.Fatal(err)
	}
	return &consulter{t: e.t, url: hs.URL, token: secret}
}

// consult returns consult-phone's contacts for number (nil on 404).
func (c *consulter) consult(number string) []api.Contact {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.url+"/cti3cx/consult-phone/"+number, nil)
	req.Header.Set(api.HeaderToken, c.token)
	req.Header.Set(api.HeaderTenant, "acme")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil
	}
	var body api.ConsultResponse
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		c.t.Fatalf("consult-phone %s: %d %v", number, resp.StatusCode, err)
	}
	return body.Contact
}

// estabeleRow is one synthetic line of the Receita Federal ESTABELE layout
// (30 fields; DDD_1, TELEFONE_1, DDD_2, TELEFONE_2, DDD_FAX, FAX and e-mail
// at positions 22–28).
type estabeleRow struct {
	cnpj, name                        string
	ddd1, tel1, ddd2, tel2, dfax, fax string
	email                             string
}

func (r estabeleRow) line() string {
	f := make([]string, 30)
	f[0], f[1], f[2], f[3], f[4] = r.cnpj[:8], r.cnpj[8:12], r.cnpj[12:], "1", r.name
	f[5], f[6], f[10] = "02", "20050101", "4711302"
	f[13], f[14], f[15], f[16], f[17], f[18], f[19], f[20] = "RUA", "DAS ACÁCIAS", "100", "SALA 2", "CENTRO", "75000000", "GO", "9373"
	f[21], f[22], f[23], f[24], f[25], f[26], f[27] = r.ddd1, r.tel1, r.ddd2, r.tel2, r.dfax, r.fax, r.email
	return `"` + strings.Join(f, `";"`) + `"` + "\r\n"
}

// The Receita Federal file has no header, ';', ISO-8859-1 and every field
// quoted. Imported with --no-header and a mapping, every phone gets its
// own DDD (DDD_2 and DDD_FAX differ from DDD_1; "0" is no DDD), no row is
// lost (e-mails "-" and invalid ones included), and consult-phone answers
// each number with its row.
func TestImportReceitaFederalEstabeleEndToEnd(t *testing.T) {
	e := newImportEnv(t) // tenant DDD 47
	rows := []estabeleRow{
		{"11222333000181", "ALFA COMÉRCIO LTDA", "64", "34215566", "62", "32417788", "61", "33224455", "alfa@alfa.com.br"},
		{"22333444000172", "BETA SERVIÇOS", "11", "25436677", "21", "998761234", "0", "", "-"},
		{"33444555000163", "GAMA INDÚSTRIA", "0", "32419900", "", "", "62", "32410011", "gama(arroba)gama"},
		{"44555666000154", "DELTA ME", "85", "988887766", "0", "", "71", "32415567", "a@delta.com.br; b@delta.com.br"},
	}
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(r.line())
	}
	latin1, err := charmap.ISO8859_1.NewEncoder().String(b.String())
	if err != nil {
		t.Fatal(err)
	}
	path := e.write("K3241.K03200Y0.D41011.ESTABELE", []byte(latin1))

	// The dry run names the columns by position: a mapping to fill in.
	code, blank, errOut := e.imp("--file", path, "--no-header", "--kind", "accounts", "--dry-run", "--delimiter", ";")
	if code != 2 || !strings.Contains(errOut, "no recognizable column") || !strings.Contains(blank, "  \"1\": \"\"\n") ||
		!strings.Contains(blank, "  \"30\": \"\"\n") {
		t.Fatalf("dry run without a mapping: exit %d\n%s\n%s", code, blank, errOut)
	}
	m := e.write("estabele.yaml", []byte(`kind: accounts
auto: false
columns:
  "1": external_id
  "5": name
  "22": ddd:businessphone
  "23": businessphone
  "24": ddd:businessphone2
  "25": businessphone2
  "26": ddd:fax
  "27": fax
  "28": email
`))
	code, dry, errOut := e.imp("--file", path, "--no-header", "--mapping", m, "--dry-run", "--delimiter", ";")
	if code != 0 || !strings.Contains(dry, `"22": "ddd:businessphone"  # DDD of 23`) || !strings.Contains(dry, `"30": ""`) ||
		!strings.Contains(errOut, "no header (--no-header)") {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, dry, errOut)
	}
	out := e.mustImport("--file", path, "--no-header", "--mapping", m, "--delimiter", ";")
	wantCounts(t, e.lastRun(), schema.ImportCounts{RowsRead: 4, Inserted: 4, Warned: 2})
	if !strings.Contains(out, "warned") {
		t.Fatalf("summary:\n%s", out)
	}
	c := e.consulter()
	for _, w := range []struct {
		number, id, name string
	}{
		{"6434215566", "11222333", "ALFA COMÉRCIO LTDA"}, // DDD_1
		{"6232417788", "11222333", "ALFA COMÉRCIO LTDA"}, // DDD_2 differs
		{"6133224455", "11222333", "ALFA COMÉRCIO LTDA"}, // DDD_FAX differs
		{"1125436677", "22333444", "BETA SERVIÇOS"},
		{"21998761234", "22333444", "BETA SERVIÇOS"},
		{"4732419900", "33444555", "GAMA INDÚSTRIA"}, // DDD "0": the tenant's DDD 47
		{"6232410011", "33444555", "GAMA INDÚSTRIA"},
		{"85988887766", "44555666", "DELTA ME"},
		{"7132415567", "44555666", "DELTA ME"},
	} {
		got := c.consult(w.number)
		if len(got) != 1 || got[0].ID != w.id || got[0].FirstName != w.name {
			t.Errorf("consult-phone %s = %+v, want %s (%s)", w.number, got, w.id, w.name)
		}
	}
	// No number was filed under DDD_1's DDD by mistake.
	for _, wrong := range []string{"6432417788", "6433224455", "11998761234", "8532415567"} {
		if got := c.consult(wrong); len(got) != 0 {
			t.Errorf("consult-phone %s = %+v, want nobody", wrong, got)
		}
	}
	if p := e.accountPhone("33444555", "businessphone/0"); p.Status != "fixed" || !strings.Contains(p.Reasons, "added_default_ddd") {
		t.Errorf("DDD 0 must read as no DDD: %+v", p)
	}
	for id, want := range map[string]string{"11222333": "alfa@alfa.com.br", "22333444": "", "33444555": "", "44555666": "a@delta.com.br"} {
		if a, err := e.db.AccountByExternalID(context.Background(), e.tenant.ID, id); err != nil || a.Email != want {
			t.Errorf("%s: %+v %v, want e-mail %q", id, a, err, want)
		}
	}
	if n := e.count(`SELECT count(*) FROM accounts`); n != len(rows) {
		t.Fatalf("%d accounts, want %d: a row was lost", n, len(rows))
	}
}

// A contact's Empresa that is no account's code is its company's name for
// consult-phone; one that is an account's code links to it.
func TestImportContactEmpresaIsCompanyText(t *testing.T) {
	e := newImportEnv(t)
	e.mustImport("--file", e.write("a.csv", []byte("Código;Razão Social;Nome Fantasia\nA-1;Acme Indústria Ltda;Acme\n")))
	e.mustImport("--file", e.write("c.csv", []byte("Código;Nome;Sobrenome;Empresa;Celular\n"+
		"C-1;Ana;Lima;A-1;(47) 99911-0001\nC-2;Bruno;Reis;Padaria Pão Bom Ltda;(47) 99911-0002\nC-3;Caio;Dias;;(47) 99911-0003\n")))
	c := e.consulter()
	for number, want := range map[string]string{"47999110001": "Acme", "47999110002": "Padaria Pão Bom Ltda", "47999110003": ""} {
		got := c.consult(number)
		if len(got) != 1 || got[0].Company != want {
			t.Errorf("consult-phone %s = %+v, want company %q", number, got, want)
		}
	}
	if ct, _ := e.db.ContactByExternalID(context.Background(), e.tenant.ID, "C-2"); ct.AccountID != nil {
		t.Errorf("C-2 linked to %d", *ct.AccountID)
	}
}
