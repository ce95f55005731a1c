package tweets

import (
	"archive/zip"
	"compress/flate"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// A ZIP is read in place (zip.NewReader on the file), nothing unpacked to
// disk. Which files are read is decided by their names, as X and Grailbird
// lay their archives out; what each holds is then detected from its
// content like any file. Media, the HTML viewer and the other data files
// (likes, direct messages, …) are never opened.
var (
	// X archive: data/tweets.js, split as tweets-part1.js … for big
	// accounts; tweet.js before 2020; deleted and community tweets.
	xTweetFileRe = regexp.MustCompile(`^(tweets?|community-tweets?|deleted-tweets?)(?:-part(\d+))?\.js$`)
	// note-tweet.js completes the shortened text of long posts.
	xNoteFileRe = regexp.MustCompile(`^note-tweets?(?:-part\d+)?\.js$`)
	// Grailbird: data/js/tweets/YYYY_MM.js, and the same months as CSV in
	// data/csv/ plus all of them in the root tweets.csv.
	grailMonthRe = regexp.MustCompile(`^\d{4}_\d{2}\.(js|csv)$`)
)

// zipInput is a ZIP being read: the entries to read in order, and what the
// archive's other files say about them.
type zipInput struct {
	zr       *zip.Reader
	m        *meter
	plan     []*zip.File
	byName   map[string]*zip.File
	accounts map[string]*Account   // account.js or user_details.js by path, read once
	notes    map[string]*noteIndex // note tweets by directory
}

func isZip(head []byte) bool {
	return len(head) >= 4 && head[0] == 'P' && head[1] == 'K' &&
		(head[2] == 3 && head[3] == 4 || head[2] == 5 && head[3] == 6 || head[2] == 7 && head[3] == 8)
}

func isGzip(head []byte) bool {
	return len(head) >= 3 && head[0] == 0x1f && head[1] == 0x8b && head[2] == 8
}

// openZip opens f as a ZIP when its content is one (nil, nil otherwise),
// and plans what to read from it. The entry count and the sizes the
// directory declares are checked here, before anything is read; what the
// entries really expand to is checked again as they are read.
func openZip(f *os.File, m *meter) (*zipInput, error) {
	var magic [4]byte
	if n, _ := f.ReadAt(magic[:], 0); !isZip(magic[:n]) {
		return nil, nil
	}
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat tweets file: %w", err)
	}
	zr, err := zip.NewReader(f, info.Size())
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) { // names are never used as paths here
		return nil, fmt.Errorf("%w: a damaged or incomplete ZIP archive (%v): download it again", ErrUnknownFormat, err)
	}
	if len(zr.File) > m.lim.MaxEntries {
		return nil, fmt.Errorf("%w: the ZIP lists %d entries, more than the %d an import opens: unpack it and import data/tweets.js from it",
			ErrTooLarge, len(zr.File), m.lim.MaxEntries)
	}
	z := &zipInput{zr: zr, m: m, byName: make(map[string]*zip.File, len(zr.File)),
		accounts: make(map[string]*Account), notes: make(map[string]*noteIndex)}
	for _, e := range zr.File {
		if _, dup := z.byName[e.Name]; !dup {
			z.byName[e.Name] = e
		}
	}
	if z.plan = planArchive(zr.File); len(z.plan) == 0 {
		if z.plan, err = z.planOther(); err != nil {
			return nil, err
		}
	}
	if len(z.plan) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrUnknownFormat, describeZip(zr.File))
	}
	var declared uint64
	for _, e := range z.plan {
		declared += e.UncompressedSize64
		if e.UncompressedSize64 > uint64(m.lim.RatioFrom) && e.UncompressedSize64/uint64(m.lim.MaxRatio) > e.CompressedSize64 {
			return nil, fmt.Errorf("%w: %s in the ZIP says it expands %d times (to %s): a zip bomb or a damaged file",
				ErrTooLarge, clip(e.Name, 80), e.UncompressedSize64/max(e.CompressedSize64, 1), byteSize(int64(min(e.UncompressedSize64, 1<<62))))
		}
	}
	if declared > uint64(m.lim.MaxTotal) {
		return nil, fmt.Errorf("%w: the ZIP's tweet files hold %s, more than the %s one import reads: import them one by one",
			ErrTooLarge, byteSize(int64(min(declared, 1<<62))), byteSize(m.lim.MaxTotal))
	}
	return z, nil
}

// skipEntry tells entries that are never data: folders, and the
// AppleDouble files macOS adds to the ZIPs it makes (__MACOSX/…, ._name).
func skipEntry(name string) bool {
	return strings.HasSuffix(name, "/") || strings.HasPrefix(name, "__MACOSX/") || strings.HasPrefix(path.Base(name), "._")
}

// planArchive picks an X or Grailbird archive's tweet files, in reading
// order: folder by folder, tweets.js and its parts in part order, then
// community and deleted tweets; a Grailbird archive's months in date order,
// or its root tweets.csv when it has no month files, or the CSV months when
// it has neither (they all hold the same tweets).
func planArchive(files []*zip.File) []*zip.File {
	type planned struct {
		f          *zip.File
		dir        string
		group, num int
	}
	var out []planned
	grailJS := map[string]bool{}   // archive roots with data/js/tweets/*.js
	grailRoot := map[string]bool{} // roots with tweets.csv
	var grailCSV []*zip.File
	for _, f := range files {
		if skipEntry(f.Name) {
			continue
		}
		dir, base := path.Split(f.Name)
		if m := xTweetFileRe.FindStringSubmatch(base); m != nil {
			group := map[byte]int{'t': 0, 'c': 1, 'd': 2}[m[1][0]]
			num, _ := strconv.Atoi(m[2])
			out = append(out, planned{f, dir, group, num})
			continue
		}
		switch {
		case grailMonthRe.MatchString(base) && strings.HasSuffix(base, ".js") && strings.HasSuffix(dir, "js/tweets/"):
			grailJS[strings.TrimSuffix(dir, "data/js/tweets/")] = true
			out = append(out, planned{f, dir, 3, 0})
		case grailMonthRe.MatchString(base) && strings.HasSuffix(dir, "csv/"):
			grailCSV = append(grailCSV, f)
		case base == "tweets.csv":
			grailRoot[dir] = true
		}
	}
	for _, f := range files {
		if dir, base := path.Split(f.Name); base == "tweets.csv" && !skipEntry(f.Name) && !grailJS[dir] {
			out = append(out, planned{f, dir, 4, 0})
		}
	}
	for _, f := range grailCSV {
		root := strings.TrimSuffix(path.Dir(f.Name)+"/", "data/csv/")
		if !grailJS[root] && !grailRoot[root] {
			out = append(out, planned{f, path.Dir(f.Name) + "/", 5, 0})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.dir != b.dir {
			return a.dir < b.dir
		}
		if a.group != b.group {
			return a.group < b.group
		}
		if a.num != b.num {
			return a.num < b.num
		}
		return a.f.Name < b.f.Name
	})
	plan := make([]*zip.File, len(out))
	for i, p := range out {
		plan[i] = p.f
	}
	return plan
}

// planOther is for a ZIP that is no archive (say the Kaggle CSV zipped, or
// API responses): each JSON, CSV or JS file whose start is in a known
// format is read, in the ZIP's order. Only that start is decompressed here.
func (z *zipInput) planOther() ([]*zip.File, error) {
	var plan []*zip.File
	for _, f := range z.zr.File {
		if skipEntry(f.Name) {
			continue
		}
		switch strings.ToLower(path.Ext(f.Name)) {
		case ".json", ".jsonl", ".ndjson", ".csv", ".js", ".gz":
		default:
			continue
		}
		r, err := z.open(f)
		if err != nil {
			continue
		}
		head := make([]byte, 4096)
		n, err := io.ReadFull(r, head)
		if errors.Is(err, ErrTooLarge) {
			return nil, err
		}
		head = head[:n]
		if isGzip(head) {
			plan = append(plan, f) // detected once decompressed, when read
			continue
		}
		if _, err := Detect(head); err == nil {
			plan = append(plan, f)
		}
	}
	return plan, nil
}

// describeZip says what a ZIP without tweets is, and what to do.
func describeZip(files []*zip.File) string {
	var names []string
	has := func(prefix string) bool {
		for _, f := range files {
			if strings.HasPrefix(f.Name, prefix) {
				return true
			}
		}
		return false
	}
	switch {
	case has("xl/") && has("[Content_Types].xml"):
		return "an Excel workbook (.xlsx), not a CSV: save it as “CSV UTF-8” and import that"
	case has("word/") && has("[Content_Types].xml"):
		return "a Word document, not tweets"
	case has("content.xml") && has("mimetype"):
		return "an OpenDocument file (.ods or .odt): save a spreadsheet as CSV (UTF-8) and import that"
	}
	for _, f := range files {
		if !skipEntry(f.Name) {
			names = append(names, clip(f.Name, 60))
		}
	}
	holds := "nothing"
	switch {
	case len(names) > 3:
		holds = fmt.Sprintf("%s and %d more", strings.Join(names[:3], ", "), len(names)-3)
	case len(names) > 0:
		holds = strings.Join(names, ", ")
	}
	return "a ZIP that is not an X archive: it has no data/tweets.js (X), data/js/tweets/ (Grailbird) or other file of tweets; it holds " +
		holds + ". Upload the archive ZIP as X gave it, or data/tweets.js from it"
}

// open decompresses one entry, counting what it consumes and gives against
// the limits, and checking its CRC-32 at the end.
func (z *zipInput) open(f *zip.File) (io.Reader, error) {
	raw, err := f.OpenRaw()
	if err != nil {
		return nil, fmt.Errorf("open %s in the ZIP: %w", f.Name, err)
	}
	in := &countingReader{r: raw}
	var r io.Reader
	switch f.Method {
	case zip.Store:
		r = in
	case zip.Deflate:
		r = flate.NewReader(in)
	default:
		return nil, fmt.Errorf("%w: %s is compressed with method %d, which Crowdcare does not read: make the ZIP again with the usual (deflate) compression",
			ErrUnknownFormat, f.Name, f.Method)
	}
	r = &crcReader{r: r, hash: crc32.NewIEEE(), want: f.CRC32, name: f.Name}
	return z.m.wrap(r, f.Name, func() int64 { return in.n }), nil
}

// crcReader checks an entry's CRC-32 when it ends: a damaged entry is an
// error, not a short file.
type crcReader struct {
	r    io.Reader
	hash hash.Hash32
	want uint32
	name string
}

func (c *crcReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.hash.Write(p[:n])
	if errors.Is(err, io.EOF) && c.hash.Sum32() != c.want {
		return n, fmt.Errorf("%s in the ZIP is damaged (its checksum does not match): download the archive again", c.name)
	}
	return n, err
}

// read reads the planned entries in order into one Result whose Parts are
// the entries.
func (z *zipInput) read(fn func(Tweet) error) (*Result, error) {
	res := &Result{Format: FormatZIP}
	var stop error // the callback's own error, returned unchanged
	each := func(t Tweet) error {
		if err := fn(t); err != nil {
			stop = err
			return err
		}
		return nil
	}
	for _, f := range z.plan {
		r, err := z.open(f)
		var part *Result
		if err == nil {
			part, err = readStream(r, each, &zipNeighbours{z: z, dir: path.Dir(f.Name)}, z.m)
		}
		if part == nil && errors.Is(err, ErrUnknownFormat) {
			// A file named like tweets but holding something else: the
			// others are still read, and the report says which it was.
			res.Skipped = append(res.Skipped, Skip{File: f.Name, Reason: err.Error() + "; nothing read from it"})
			res.Parts = append(res.Parts, Part{Name: f.Name, Skipped: 1})
			continue
		}
		if part != nil {
			res.merge(f.Name, part)
		}
		if err != nil {
			if stop != nil && err == stop {
				return res, err
			}
			return res, fmt.Errorf("%s in the ZIP: %w", f.Name, err)
		}
	}
	return res, nil
}

// merge adds a file's result to the ZIP's.
func (res *Result) merge(name string, part *Result) {
	res.Read += part.Read
	for _, s := range part.Skipped {
		s.File = name
		res.Skipped = append(res.Skipped, s)
	}
	res.APIErrors = append(res.APIErrors, part.APIErrors...)
	if res.Account == nil {
		res.Account = part.Account
	}
	for _, p := range part.Parts {
		p.Name = name
		res.Parts = append(res.Parts, p)
	}
}

// zipNeighbours finds an entry's account and note files in the same ZIP.
type zipNeighbours struct {
	z   *zipInput
	dir string
}

func (n *zipNeighbours) account() (*Account, error) {
	return n.z.owner(path.Join(n.dir, "account.js"), readAccount)
}

func (n *zipNeighbours) userDetails() (*Account, error) {
	return firstAccount(userDetailsPaths(path.Join, n.dir), func(p string) (*Account, error) { return n.z.owner(p, readUserDetails) })
}

func (n *zipNeighbours) notes() (*noteIndex, error) {
	if idx, ok := n.z.notes[n.dir]; ok {
		return idx, nil
	}
	var idx *noteIndex
	for _, f := range n.z.zr.File {
		if dir, base := path.Split(f.Name); path.Clean(dir) != n.dir || !xNoteFileRe.MatchString(base) {
			continue
		}
		r, err := n.z.open(f)
		if err != nil {
			return nil, err
		}
		if idx, err = readNotes(r, idx); err != nil {
			return nil, fmt.Errorf("%s in the ZIP: %w", f.Name, err)
		}
	}
	n.z.notes[n.dir] = idx
	return idx, nil
}

// owner reads an account file once; a missing one is no account.
func (z *zipInput) owner(name string, parse func(io.Reader) (*Account, error)) (*Account, error) {
	name = path.Clean(name)
	if a, ok := z.accounts[name]; ok {
		return a, nil
	}
	f, ok := z.byName[name]
	if !ok {
		return nil, nil
	}
	r, err := z.open(f)
	if err != nil {
		return nil, err
	}
	a, err := parse(r)
	if err != nil {
		return nil, fmt.Errorf("read %s in the ZIP: %w", name, err)
	}
	z.accounts[name] = a
	return a, nil
}
