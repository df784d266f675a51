package loader

import (
	"fmt"
	"strings"
)

// emailPlaceholders are cells (in headerKey form) that mean "no e-mail".
var emailPlaceholders = map[string]bool{
	"": true, "n a": true, "na": true, "n d": true, "nd": true, "null": true, "nil": true, "none": true,
	"nenhum": true, "nenhuma": true, "x": true, "xx": true, "xxx": true, "0": true, "email": true, "e mail": true,
	"informacao nao cadastrada": true, "nao cadastrado": true, "nao informado": true, "nao possui": true,
	"nao tem": true, "sem email": true, "sem e mail": true, "inexistente": true,
}

// isEmailPlaceholder tells "-", "não tem", "Informação não cadastrada."
// and the like from an address: none of them holds an "@".
func isEmailPlaceholder(cell string) bool {
	if strings.Contains(cell, "@") {
		return false
	}
	k := headerKey(cell)
	return emailPlaceholders[k] || strings.HasPrefix(k, "nao ") || strings.HasPrefix(k, "sem ")
}

// cleanEmail reads an e-mail cell: a placeholder is no e-mail; of several
// addresses ("a@x.com.br; b@y.com.br", "a@x / b@y") the first valid one is
// kept. The warning, when not nil, says what was dropped; an invalid
// address is dropped whole, never fixed by a guess.
func cleanEmail(cell string) (string, *rowError) {
	cell = strings.TrimSpace(cell)
	if isEmailPlaceholder(cell) {
		return "", nil
	}
	parts := strings.FieldsFunc(cell, func(r rune) bool {
		return r == ';' || r == ',' || r == '/' || r == '|' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
	kept := ""
	var dropped []string
	for _, p := range parts {
		p = strings.TrimPrefix(strings.Trim(p, "<>()[]\"'"), "mailto:")
		if p == "" {
			continue
		}
		if kept == "" && validate.Var(p, "email") == nil {
			kept = p
			continue
		}
		dropped = append(dropped, p)
	}
	switch {
	case kept == "":
		return "", &rowError{Code: CodeInvalidEmail, Message: fmt.Sprintf("e-mail inválido %q: a linha foi importada sem o e-mail", cell)}
	case len(dropped) > 0:
		return kept, &rowError{Code: CodeSeveralEmails, Message: fmt.Sprintf("vários e-mails em %q: importado %s, descartado %s", cell, kept, strings.Join(dropped, ", "))}
	}
	return kept, nil
}
