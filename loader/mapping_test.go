package loader

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestHeaderKey(t *testing.T) {
	for in, want := range map[string]string{
		"Razão Social": "razao social", "  Tel. Comercial ": "tel comercial", "E-MAIL": "e mail",
		"Código INEP": "codigo inep", "Endereço eletrônico": "endereco eletronico",
	} {
		if got := headerKey(in); got != want {
			t.Errorf("headerKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBuildMapping(t *testing.T) {
	cases := []struct {
		kind   string
		header string
		want   string
	}{
		{KindContacts, "Código;Nome;Sobrenome;E-mail;Empresa;Telefone;Celular;Whatsapp",
			"external_id;first_name;last_name;email;account_external_id;businessphone;mobilephone;mobilephone2"},
		{KindContacts, "ID;Whatsapp;Telefone;Telefone;Telefone", "external_id;mobilephone;businessphone;businessphone2;otherphone"},
		{KindAccounts, "Registro ANS;CNPJ;Razão Social;Nome Fantasia;DDD;Telefone;Fax;Obs",
			"external_id;tax_id;name;trade_name;ddd;businessphone;fax;"},
		{KindAccounts, "Escola;Código INEP;Telefone", "name;external_id;businessphone"},
	}
	for _, c := range cases {
		m, err := buildMapping(c.kind, strings.Split(c.header, ";"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(m.Targets, ";"); got != c.want {
			t.Errorf("%s %q:\n got %s\nwant %s", c.kind, c.header, got, c.want)
		}
	}
}

func TestDetectKind(t *testing.T) {
	for header, want := range map[string]string{
		"Código;Razão Social;CNPJ":       KindAccounts,
		"Código;Nome;Sobrenome;Celular":  KindContacts,
		"Código;Nome;Telefone":           "",
		"First Name;Last Name;Company":   KindContacts,
		"Escola;Código INEP;Telefone;UF": KindAccounts,
	} {
		if got := detectKind(strings.Split(header, ";")); got != want {
			t.Errorf("detectKind(%q) = %q, want %q", header, got, want)
		}
	}
}

func TestPickDelimiter(t *testing.T) {
	for sample, want := range map[string]rune{
		"a;b;c\n1;2,5;3\n4;5;6\n":                  ';',
		"a,b,c\n\"1;2\",2,3\n4,5,6\n":              ',',
		"a\tb\tc\n1\t2\t3\n":                       '\t',
		"Title line\n\n\"a\";\"b\"\n\"1\";\"2\"\n": ';',
	} {
		got, err := pickDelimiter("x", []byte(sample), "auto")
		if err != nil || got != want {
			t.Errorf("pickDelimiter(%q) = %q, %v; want %q", sample, got, err, want)
		}
	}
}

func TestPairDDDColumns(t *testing.T) {
	cases := []struct {
		name, kind, header, want string
	}{
		{"Receita Federal: one DDD per phone", KindAccounts, "CNPJ;DDD_1;TELEFONE_1;DDD_2;TELEFONE_2;DDD_FAX;FAX",
			"tax_id;ddd:businessphone;businessphone;ddd:businessphone2;businessphone2;ddd:fax;fax"},
		{"ANS: one DDD for the row", KindAccounts, "Registro ANS;DDD;Telefone;Fax", "external_id;ddd;businessphone;fax"},
		{"DDD before each Fone", KindContacts, "Código;Nome;DDD;Fone;DDD;Fone",
			"external_id;first_name;ddd:businessphone;businessphone;ddd:businessphone2;businessphone2"},
		{"named DDD and a row DDD", KindContacts, "Código;Nome;DDD Celular;Celular;DDD;Telefone",
			"external_id;first_name;ddd:mobilephone;mobilephone;ddd;businessphone"},
		{"suffix after the phone column", KindAccounts, "Código;Fax;Telefone;DDD Fax", "external_id;fax;businessphone;ddd:fax"},
		{"suffix names the tail of the header", KindAccounts, "Código;DDD Comercial;Celular;Tel. Comercial",
			"external_id;ddd:businessphone;mobilephone;businessphone"},
		{"unknown suffix: the phone right after", KindAccounts, "Código;DDD Res;Residencial;Telefone",
			"external_id;ddd:homephone;homephone;businessphone"},
		{"Código de Área 2", KindAccounts, "Código;Código de Área 1;Telefone 1;Código de Área 2;Telefone 2",
			"external_id;ddd:businessphone;businessphone;ddd:businessphone2;businessphone2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := buildMapping(c.kind, strings.Split(c.header, ";"), nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(m.Targets, ";"); got != c.want {
				t.Errorf("%q:\n got %s\nwant %s", c.header, got, c.want)
			}
		})
	}
}

func TestMappingFileDDD(t *testing.T) {
	header := strings.Split("1;2;3;4;5;6;7", ";")
	cases := []struct {
		name    string
		columns map[string]string
		want    string // targets, or the error's text
	}{
		{"ddd:FIELD and a plain ddd", map[string]string{"1": "external_id", "2": "ddd:fax", "3": "fax", "4": "ddd",
			"5": "businessphone", "6": "mobilephone"}, "external_id;ddd:fax;fax;ddd;businessphone;mobilephone;"},
		{"field without a column", map[string]string{"1": "external_id", "2": "ddd:fax", "3": "businessphone"},
			`column "2" is ddd:fax, but no column is fax`},
		{"two plain ddd", map[string]string{"1": "external_id", "2": "ddd", "4": "ddd"}, "ddd:FIELD"},
		{"two ddd:fax", map[string]string{"1": "external_id", "2": "ddd:fax", "3": "fax", "4": "ddd:fax"}, "mapped twice"},
		{"ddd of no phone field", map[string]string{"1": "external_id", "2": "ddd:email"}, "unknown accounts field"},
	}
	no := false
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := buildMapping(KindAccounts, header, &mappingFile{Columns: c.columns, Auto: &no})
			got := strings.Join(m.Targets, ";")
			if err != nil {
				got = err.Error()
			}
			if !strings.Contains(got, c.want) {
				t.Errorf("got %s\nwant %s", got, c.want)
			}
		})
	}
}

func TestDryRunMappingShowsPairing(t *testing.T) {
	m, err := buildMapping(KindContacts, strings.Split("Código;Nome;DDD Celular;Celular;DDD;Telefone;Fax", ";"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	m.WriteYAML(&b)
	for _, want := range []string{`DDD Celular: "ddd:mobilephone"  # DDD of Celular`, `DDD: "ddd"  # DDD of Telefone, Fax`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("mapping lacks %q:\n%s", want, b.String())
		}
	}
	// The printed mapping, read back, is the same mapping.
	mf := mappingFile{}
	if err := yaml.Unmarshal([]byte(b.String()), &mf); err != nil {
		t.Fatal(err)
	}
	again, err := buildMapping(KindContacts, m.Header, &mf)
	if err != nil || strings.Join(again.Targets, ";") != strings.Join(m.Targets, ";") {
		t.Fatalf("read back: %v %v, want %v", again.Targets, err, m.Targets)
	}
}
