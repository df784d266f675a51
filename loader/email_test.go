package loader

import "testing"

func TestCleanEmail(t *testing.T) {
	cases := []struct {
		cell, want, code string
	}{
		{"", "", ""},
		{"ana@example.com.br", "ana@example.com.br", ""},
		{"  ana@example.com.br ", "ana@example.com.br", ""},
		{"-", "", ""},
		{"--", "", ""},
		{"não tem", "", ""},
		{"Não possui", "", ""},
		{"Informação não cadastrada.", "", ""},
		{"n/a", "", ""},
		{"N/D", "", ""},
		{"sem e-mail", "", ""},
		{"a@x.com.br; b@y.com.br", "a@x.com.br", CodeSeveralEmails},
		{"a@x.com.br / b@y.com.br", "a@x.com.br", CodeSeveralEmails},
		{"a@x.com.br,b@y.com.br", "a@x.com.br", CodeSeveralEmails},
		{"contato: <a@x.com.br>", "a@x.com.br", CodeSeveralEmails},
		{"mailto:a@x.com.br", "a@x.com.br", ""},
		{"quebrado@ ; b@y.com.br", "b@y.com.br", CodeSeveralEmails},
		{"pedro(arroba)example.com.br", "", CodeInvalidEmail},
		{"vendas@pecasjv", "", CodeInvalidEmail},
		{"x@", "", CodeInvalidEmail},
	}
	for _, c := range cases {
		got, w := cleanEmail(c.cell)
		code := ""
		if w != nil {
			code = w.Code
			if !w.imported() {
				t.Errorf("cleanEmail(%q): warning %s does not say the row was imported", c.cell, w.Code)
			}
		}
		if got != c.want || code != c.code {
			t.Errorf("cleanEmail(%q) = %q, %q; want %q, %q", c.cell, got, code, c.want, c.code)
		}
	}
}
