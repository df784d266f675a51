package loader

import (
	"strings"
	"testing"
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

func TestIsLocalNumber(t *testing.T) {
	for cell, want := range map[string]bool{
		"39668300": true, "3966-8300": true, "99988-7766": true, "(61) 3966-8300": false,
		"061 39668300": false, "+55 61 39668300": false, "3231159088324692": false, "3966-8300 / 3966-8301": false,
	} {
		if got := isLocalNumber(cell); got != want {
			t.Errorf("isLocalNumber(%q) = %v", cell, got)
		}
	}
}
