package loader

import "fmt"

// Reject codes, as written to the rejects file and import_rejects.
const (
	CodeMissingID       = "missing_id"
	CodeInvalidEmail    = "invalid_email"
	CodeWrongFieldCount = "wrong_field_count"
	CodeMalformed       = "malformed_record"
	CodeEncoding        = "invalid_encoding"
	CodeDuplicateID     = "duplicate_id" // a warning: the later row was imported
	CodeTooLong         = "value_too_long"
)

// rowError is why a row was rejected.
type rowError struct {
	Code    string
	Message string // pt-BR, for CRM staff
}

func (e *rowError) Error() string { return e.Code + ": " + e.Message }

func errMalformed(detail string) *rowError {
	return &rowError{CodeMalformed, "registro malformado: " + detail}
}

func errEncoding(col int) *rowError {
	return &rowError{CodeEncoding, fmt.Sprintf("coluna %d: texto com bytes inválidos para UTF-8; salve o arquivo como UTF-8 ou use --encoding", col+1)}
}
