package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cti3cx/cti3cx/cmd/internal/cli"
	"github.com/cti3cx/cti3cx/loader"
)

// importLimitFlags are import's bounds on what it reads and holds, and its
// feed's retry rules.
type importLimitFlags struct {
	retries    int
	allowHosts string
}

func (l *importLimitFlags) register(fs *cli.Flags, opts *loader.Options) {
	opts.Limits.MaxRecordBytes = loader.DefaultMaxRecordBytes
	opts.FeedOptions.MaxPageBytes = loader.DefaultMaxPageBytes
	opts.FeedOptions.MaxFeedBytes = loader.DefaultMaxFeedBytes
	opts.UnzipLimit = loader.DefaultUnzipLimit
	fs.Var((*byteSize)(&opts.Limits.MaxRecordBytes), "max-record-bytes", "largest CSV or JSON record (all its lines), e.g. 4MiB; past it the import stops, exit 2")
	fs.Var((*byteSize)(&opts.FeedOptions.MaxPageBytes), "feed-max-page-bytes", "largest feed page (HTTP body, or a {\"data\":[...]} page); past it the import stops, exit 2")
	fs.Var((*byteSize)(&opts.FeedOptions.MaxFeedBytes), "feed-max-bytes", "largest HTTP feed, all pages together")
	fs.IntVar(&opts.FeedOptions.MaxPages, "feed-max-pages", loader.DefaultMaxFeedPages, "most pages an HTTP feed may have")
	fs.StringVar(&l.allowHosts, "feed-allow-host", "", "comma-separated hosts a feed's next link may lead to besides the feed's own (never sent the token)")
	fs.IntVar(&l.retries, "feed-retries", loader.DefaultFeedRetries, "retries per feed page on 5xx, 429 and network errors, backing off from 1s with jitter (0: none)")
	fs.Var((*byteSize)(&opts.UnzipLimit), "unzip-limit", "XLSX: most a workbook may unpack to (zip bomb guard)")
	fs.IntVar(&opts.Limits.MaxBlankRows, "max-blank-rows", loader.DefaultMaxBlankRows, "XLSX: most blank rows in a row")
	fs.IntVar(&opts.Limits.MaxBlankCells, "max-blank-cells", loader.DefaultMaxBlankCells, "XLSX: most blank cells since the last row with data")
}

func (l *importLimitFlags) apply(opts *loader.Options) error {
	switch {
	case l.retries < 0:
		return cli.Usagef("--feed-retries: want 0 or more")
	case l.retries == 0:
		opts.FeedOptions.Retries = loader.NoRetries
	default:
		opts.FeedOptions.Retries = l.retries
	}
	if opts.FeedOptions.MaxPages <= 0 || opts.Limits.MaxBlankRows <= 0 || opts.Limits.MaxBlankCells <= 0 {
		return cli.Usagef("--feed-max-pages, --max-blank-rows, --max-blank-cells: want a positive number")
	}
	for _, h := range strings.Split(l.allowHosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			opts.FeedOptions.AllowHosts = append(opts.FeedOptions.AllowHosts, h)
		}
	}
	return nil
}

// byteSize is a flag of bytes: 1048576, 512KiB, 4MiB, 1GiB (KB, MB, GB are
// read as their binary twins).
type byteSize int64

func (b *byteSize) String() string {
	if b == nil {
		return ""
	}
	return sizeFlagText(int64(*b))
}

func (b *byteSize) Set(s string) error {
	n, err := parseByteSize(s)
	if err != nil {
		return err
	}
	*b = byteSize(n)
	return nil
}

func parseByteSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if v, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(v), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("want a positive size such as 4MiB or 1GiB, got %q", s)
	}
	return n * mult, nil
}

func sizeFlagText(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return strconv.FormatInt(n, 10)
}
