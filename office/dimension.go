package office

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/xuri/excelize/v2"
)

// SaveXLSXSized saves the workbook to path as SaveXLSX does, with the
// <dimension> of each sheet named in sizes set to its range (from
// Dimension). It is for sheets streamed without knowing their size first:
// excelize's stream writer writes the dimension before the rows, A1 unless
// NewStream was told. The workbook goes to a temporary file first; every part
// but the patched sheets is copied as compressed, untouched.
func SaveXLSXSized(f *excelize.File, path string, sizes map[string]string) error {
	tmp, err := os.CreateTemp("", "cti3cx-xlsx-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if _, err := f.WriteTo(tmp); err != nil {
		return err
	}
	size, err := tmp.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(tmp, size)
	if err != nil {
		return err
	}
	parts, err := sheetParts(zr)
	if err != nil {
		return err
	}
	patch := map[string]string{}
	for sheet, ref := range sizes {
		part, ok := parts[sheet]
		if !ok {
			return fmt.Errorf("xlsx: no sheet %q", sheet)
		}
		patch[part] = ref
	}
	return WriteFile(path, func(w io.Writer) error { return copyZip(w, zr, patch) })
}

func copyZip(w io.Writer, zr *zip.Reader, patch map[string]string) error {
	zw := zip.NewWriter(w)
	for _, zf := range zr.File {
		ref, ok := patch[zf.Name]
		if !ok {
			if err := zw.Copy(zf); err != nil {
				return err
			}
			continue
		}
		if err := patchDimension(zw, zf, ref); err != nil {
			return fmt.Errorf("xlsx: %s: %w", zf.Name, err)
		}
	}
	return zw.Close()
}

// patchDimension copies a sheet part with its <dimension> set to ref. The
// element comes before <sheetData>, in the first few hundred bytes.
func patchDimension(zw *zip.Writer, zf *zip.File, ref string) error {
	rc, err := zf.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 64<<10)
	head, err := br.Peek(64 << 10)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return err
	}
	end := bytes.Index(head, []byte("<sheetData"))
	if end < 0 {
		end = len(head)
	}
	start := bytes.Index(head[:end], []byte("<dimension "))
	if start < 0 {
		return fmt.Errorf("no <dimension> before the rows")
	}
	// <dimension ref="A1"/>, or <dimension ref="A1"></dimension> as Go's
	// encoder writes it.
	elem := head[start:end]
	stop := bytes.IndexByte(elem, '>') + 1
	if stop > 1 && elem[stop-2] != '/' {
		closing := bytes.Index(elem, []byte("</dimension>"))
		stop = closing + len("</dimension>")
		if closing < 0 {
			stop = 0
		}
	}
	if stop <= 0 {
		return fmt.Errorf("unterminated <dimension>")
	}
	out, err := zw.CreateHeader(&zip.FileHeader{Name: zf.Name, Method: zip.Deflate, Modified: zf.Modified})
	if err != nil {
		return err
	}
	if _, err := out.Write(head[:start]); err != nil {
		return err
	}
	if _, err := fmt.Fprintf(out, `<dimension ref="%s"/>`, ref); err != nil {
		return err
	}
	if _, err := br.Discard(start + stop); err != nil {
		return err
	}
	_, err = io.Copy(out, br)
	return err
}

// sheetParts maps each sheet's name to its part in the package, from the
// workbook and its relationships.
func sheetParts(zr *zip.Reader) (map[string]string, error) {
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := readXML(zr, "xl/workbook.xml", &wb); err != nil {
		return nil, err
	}
	if err := readXML(zr, "xl/_rels/workbook.xml.rels", &rels); err != nil {
		return nil, err
	}
	targets := map[string]string{}
	for _, r := range rels.Rels {
		t := r.Target
		if strings.HasPrefix(t, "/") {
			t = strings.TrimPrefix(t, "/")
		} else {
			t = path.Join("xl", t)
		}
		targets[r.ID] = t
	}
	parts := map[string]string{}
	for _, s := range wb.Sheets {
		parts[s.Name] = targets[s.RID]
	}
	return parts, nil
}

func readXML(zr *zip.Reader, name string, v any) error {
	rc, err := zr.Open(name)
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	defer rc.Close()
	return xml.NewDecoder(rc).Decode(v)
}
