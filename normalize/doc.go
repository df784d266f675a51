// Package normalize turns raw phone text from CRM exports into canonical
// numbers (E.164) and the tenant's 3CX dial string, or says precisely why it
// cannot and what it suggests.
//
// A Profile holds what of a tenant changes results: its default DDD and its
// DialFormat. Profile.Normalize reads one cell and returns one Result per
// number in it; Profile.AppendNormalize is the allocation-free form for
// loops. Profile.NormalizeDDD reads a cell with the DDD cell of its row
// (a DDD column). Profile.DialString renders a stored E.164 number, Profile.Inbound
// interprets the number 3CX sends for a lookup.
//
// How a cell is read:
//
//  1. The cell is trimmed and bounded (MaxCellBytes); Excel's scientific
//     notation is rejected (precision_lost) and fillers are recognised.
//  2. A scanner splits it into numbers (separators, words between numbers,
//     blanks between two complete numbers), takes out extensions ("ramal
//     123", "ramais 210 e 215") and notes a DDD in parentheses.
//  3. The digits of each number have several readings in priority order: the
//     tenant's dial template, the seed's "00" + DDD + number, international
//     "+"/"00" (with a carrier code), the trunk "0" (with a carrier code),
//     as written, and "55" as country code without "+".
//  4. The first reading valid as written wins; else the first one valid
//     after a fix (ninth digit, default DDD); else the reason is diagnosed.
//     Two valid readings are reported as ambiguous.
//
// Validity and type come from an oracle: the numbering plan's tables (fast
// path) or libphonenumber (slow path, the authority). The tables answer for
// every Brazilian number shape except rare short codes; foreign numbers
// always ask libphonenumber. Because both oracles run under the same reading
// logic, the differential test compares exactly their answers, and also asks
// libphonenumber directly about every valid result. Inbound also answers
// foreign readings without calling libphonenumber: its metadata patterns are
// compiled to digit automata (intl.go, dfa.go), and a differential test and
// FuzzInbound compare Inbound with a reference that asks libphonenumber.
// RulesVersion changes whenever results may change.
//
// All functions are safe for concurrent use.
package normalize
