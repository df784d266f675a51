package main

import (
	"strings"
	"testing"
)

// Each phone column takes the DDD of its own DDD column, through the real
// CLI and database.
func TestImportPairsDDDColumns(t *testing.T) {
	e := newImportEnv(t) // tenant DDD 47
	cases := []struct {
		name, csv string
		mapping   string
		want      map[string]string // field/position -> E.164
	}{
		{"Receita Federal layout", "Código;Razão Social;DDD_1;TELEFONE_1;DDD_2;TELEFONE_2;DDD_FAX;FAX\n" +
			"R-1;Alfa Ltda;64;34215566;11;33224455;62;32417788\n",
			"", map[string]string{"businessphone/0": "+556434215566", "businessphone2/0": "+551133224455", "fax/0": "+556232417788"}},
		{"DDD before each Fone", "Código;Nome;DDD;Fone;DDD;Fone\nR-2;Beta;21;25436677;31;998761234\n",
			"", map[string]string{"businessphone/0": "+552125436677", "businessphone2/0": "+5531998761234"}},
		{"DDD Celular and a row DDD", "Código;Nome;DDD Celular;Celular;DDD;Telefone;Fax\nR-3;Gama;85;988887766;71;32415566;32415567\n",
			"", map[string]string{"mobilephone/0": "+5585988887766", "businessphone/0": "+557132415566", "fax/0": "+557132415567"}},
		{"mapping file: ddd:fax and a plain ddd", "id;d1;t1;dfax;fax\nR-4;65;36241122;66;34213344\n",
			"kind: accounts\ncolumns:\n  id: external_id\n  d1: ddd\n  t1: businessphone\n  dfax: ddd:fax\n  fax: fax\n",
			map[string]string{"businessphone/0": "+556536241122", "fax/0": "+556634213344"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := []string{"--file", e.write("ddd.csv", []byte(c.csv)), "--kind", "accounts"}
			if c.mapping != "" {
				args = append(args, "--mapping", e.write("ddd.yaml", []byte(c.mapping)))
			}
			e.mustImport(args...)
			id := strings.SplitN(strings.Split(c.csv, "\n")[1], ";", 2)[0]
			for key, want := range c.want {
				if p := e.accountPhone(id, key); p.E164 != want {
					t.Errorf("%s: %+v, want %s", key, p, want)
				}
			}
		})
	}
}

func TestImportDryRunShowsDDDPairing(t *testing.T) {
	e := newImportEnv(t)
	path := e.write("p.csv", []byte("Código;Razão Social;DDD_1;TELEFONE_1;DDD_FAX;FAX\nR-1;Alfa;64;34215566;62;32417788\n"))
	code, out, errOut := e.imp("--file", path, "--dry-run")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{`DDD_1: "ddd:businessphone"  # DDD of TELEFONE_1`, `DDD_FAX: "ddd:fax"  # DDD of FAX`} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
}
