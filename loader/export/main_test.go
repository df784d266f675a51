package export_test

import (
	"testing"

	"github.com/cti3cx/cti3cx/schema/schematest"
)

// TestMain drops the test databases this binary created when its tests end.
func TestMain(m *testing.M) { schematest.Main(m) }
