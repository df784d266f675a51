package normalize

// Human texts in pt-BR.

const (
	sugPlaceholder   = "Valor de preenchimento, não um telefone: informe o número real ou deixe o campo vazio"
	sugNotANumber    = "Não é um número de telefone: deixe só o número, com DDD, por exemplo (47) 3333-4444"
	sugPrecisionLost = "O Excel gravou o número em notação científica e perdeu dígitos: exporte a coluna de telefones como texto e importe de novo"
	sugTooShort      = "Faltam dígitos: um telefone tem DDD + 8 dígitos (fixo) ou DDD + 9 dígitos (celular)"
	sugTooLong       = "Dígitos demais: confira se não são dois números juntos ou um dígito repetido"
	sugMissingDDD    = "Número sem DDD e o cliente não tem DDD padrão: informe o DDD"
	sugInvalidNumber = "Número inexistente: fixo tem 8 dígitos começando por 2 a 5, celular tem 9 dígitos começando por 9; confira os dígitos"
	sugUnknownCC     = "Código de país inexistente: confira o número"
	sugCellTooLong   = "Célula longa demais para ser um telefone: deixe só o número"
)

func typeLabel(t Type) string {
	switch t {
	case TypeFixed:
		return "fixo"
	case TypeMobile:
		return "celular"
	case TypeTollFree:
		return "0800, gratuito"
	case TypeSharedCost:
		return "custo compartilhado"
	case TypePremium:
		return "tarifado"
	case TypeShortCode:
		return "serviço de utilidade pública"
	case TypeForeign:
		return "estrangeiro"
	}
	return "desconhecido"
}

// appendPretty writes a valid Brazilian number as people write it:
// (47) 3333-4444, (47) 99999-9999, 0800 123 4567, 4004-1234, 190.
func appendPretty(dst, nsn []byte, t Type) []byte {
	n := len(nsn)
	switch {
	case isGeo(t) && (n == 10 || n == 11):
		dst = append(dst, '(', nsn[0], nsn[1], ')', ' ')
		dst = append(dst, nsn[2:n-4]...)
		return append(append(dst, '-'), nsn[n-4:]...)
	case (t == TypeTollFree || t == TypePremium || t == TypeSharedCost) && (n == 9 || n == 10):
		dst = append(append(append(dst, '0'), nsn[:3]...), ' ')
		dst = append(append(dst, nsn[3:6]...), ' ')
		return append(dst, nsn[6:]...)
	case n == 8:
		return append(append(append(dst, nsn[:4]...), '-'), nsn[4:]...)
	}
	return append(dst, nsn...)
}

// suggestion writes the pt-BR suggestion for an outcome ("" for ok).
func (o *outcome) suggestion(p *Profile) string {
	switch o.status {
	case StatusOK:
		return ""
	case StatusInvalid:
		return o.invalidSuggestion()
	}
	var b [320]byte
	s := append(b[:0], "Confirme: "...)
	sep := func() {
		if len(s) > len("Confirme: ") {
			s = append(s, "; "...)
		}
	}
	ddd, nine := o.rs.Has(AddedDefaultDDD), o.rs.Has(AddedNinthDigit)
	switch {
	case ddd && nine:
		s = append(s, "número sem DDD e celular antigo com 8 dígitos; usado o DDD padrão "...)
		s = append(append(s, p.DDD...), " e acrescentado o 9"...)
	case ddd:
		s = append(append(s, "número sem DDD; usado o DDD padrão "...), p.DDD...)
	case nine:
		s = append(s, "celular antigo com 8 dígitos; acrescentado o 9"...)
	}
	if o.rs.Has(DDDSplit) {
		sep()
		s = append(append(s, "DDD dividido entre a coluna de DDD e o número; lido o DDD "...), o.nsn[:2]...)
	}
	if o.rs.Has(DDDFromCell) {
		sep()
		s = append(append(s, "número sem DDD; usado o DDD "...), o.nsn[:2]...)
		s = append(s, " de outro número da célula"...)
	}
	if o.rs.Has(CompletedFromPrevious) {
		sep()
		s = append(s, "número abreviado, completado com os dígitos do anterior"...)
	}
	if o.rs.Has(Ambiguous) && o.hasAlt {
		sep()
		a := &o.alt
		switch {
		case o.colConflict:
			s = append(append(s, "o DDD do número ("...), o.nsn[:2]...)
			s = append(append(s, ") difere do DDD da coluna de DDD ("...), a.nsn[:2]...)
			s = append(s, "); pela coluna seria "...)
			s = appendPretty(s, a.nsn[:a.nl], a.typ)
		case a.br && a.nl == 11 && o.nl == 10 && o.nsn[2] == '7':
			s = append(s, "válido na antiga faixa 7 de rádio, mas pode ser celular ao qual falta o 9: "...)
			s = appendPretty(s, a.nsn[:a.nl], a.typ)
		case a.br:
			s = append(s, "também pode ser lido como "...)
			s = appendPretty(s, a.nsn[:a.nl], a.typ)
			s = append(append(append(s, " ("...), typeLabel(a.typ)...), ')')
		default:
			s = append(s, "também seria válido como número estrangeiro "...)
			s = append(s, a.f.pretty...)
			if a.f.region != "" {
				s = append(append(append(s, " ("...), a.f.region...), ')')
			}
		}
	}
	s = append(s, " → "...)
	if o.br {
		s = appendPretty(s, o.nsn[:o.nl], o.typ)
	} else {
		s = append(s, o.f.pretty...)
	}
	return string(s)
}

func (o *outcome) invalidSuggestion() string {
	switch {
	case o.rs.Has(Placeholder):
		return sugPlaceholder
	case o.rs.Has(NotANumber):
		return sugNotANumber
	case o.rs.Has(PrecisionLost):
		return sugPrecisionLost
	case o.rs.Has(InvalidDDD) && o.badCol != "":
		return "DDD " + o.badCol + " da coluna de DDD não existe: confira o DDD"
	case o.rs.Has(InvalidDDD):
		if o.stray != "" {
			return "Dígitos " + o.stray + " antes do DDD entre parênteses: confira o DDD e o número"
		}
		if o.badPar != "" {
			return "DDD (" + o.badPar + ") não existe: um DDD tem dois dígitos; confira o DDD"
		}
		return "DDD " + string(o.bad[:]) + " não existe: confira o DDD"
	case o.rs.Has(MissingDDD):
		return sugMissingDDD
	case o.rs.Has(UnknownCountry):
		if o.hasAlt {
			s := "Sem código de país: se for um número estrangeiro, grave-o com + na frente: " + o.alt.f.pretty
			if o.alt.f.region != "" {
				s += " (" + o.alt.f.region + ")"
			}
			return s
		}
		return sugUnknownCC
	case o.rs.Has(TooShort):
		return sugTooShort
	case o.rs.Has(TooLong):
		return sugTooLong
	}
	return sugInvalidNumber
}
