package hub

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The files of a model repository that Resolve downloads when the
// repository has them, beside the weights: the tokenizer's (SentencePiece
// models too), the chat template, generation defaults, and the pooling
// configuration of sentence-transformers models.
var optionalFiles = []string{TokenizerFile, tokenizerCfg, specialTokens, vocabTxt, vocabJSON, mergesTxt,
	"spiece.model", "tokenizer.model", "chat_template.json", "chat_template.jinja", generationFile,
	"modules.json", "sentence_bert_config.json", "1_Pooling/config.json"}

// netError marks failures to reach the hub (as opposed to its answers),
// after which Resolve may fall back on the cache.
type netError struct{ err error }

func (e *netError) Error() string { return e.err.Error() }
func (e *netError) Unwrap() error { return e.err }

func isNetworkError(err error) bool {
	var ne *netError
	return errors.As(err, &ne)
}

// request sends a request with the token, if any.
func request(c *http.Client, method, u, token string, header http.Header) (*http.Response, error) {
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		return nil, fmt.Errorf("hub: %w", err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", "goformer")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, &netError{fmt.Errorf("hub: %s %s: %w", method, u, err)}
	}
	return resp, nil
}

// statusError turns a hub's error answer into an error wrapping
// ErrNotFound, ErrAccess, or a network error for server failures.
func statusError(resp *http.Response, what string) error {
	msg := resp.Header.Get("X-Error-Message")
	if msg == "" {
		msg = resp.Status
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("hub: %s: %s: %w", what, msg, ErrNotFound)
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("hub: %s: %s (a private or gated model needs a token: set HF_TOKEN): %w", what, msg, ErrAccess)
	case resp.StatusCode >= 500:
		return &netError{fmt.Errorf("hub: %s: %s", what, msg)}
	}
	return fmt.Errorf("hub: %s: unexpected answer %s", what, resp.Status)
}

type repoInfo struct {
	SHA      string `json:"sha"`
	Siblings []struct {
		RFilename string `json:"rfilename"`
	} `json:"siblings"`
}

func fetchInfo(repo, rev string, o Options) (*repoInfo, error) {
	u := fmt.Sprintf("%s/api/models/%s/revision/%s", o.endpoint(), repo, url.PathEscape(rev))
	resp, err := request(o.client(), http.MethodGet, u, o.token(), nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, statusError(resp, fmt.Sprintf("%s at revision %s", repo, rev))
	}
	var info repoInfo
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&info); err != nil {
		return nil, &netError{fmt.Errorf("hub: %s: reading the repository's file list: %w", repo, err)}
	}
	if !commitRe.MatchString(info.SHA) {
		return nil, fmt.Errorf("hub: %s: the hub named commit %q, not a 40-digit hash", repo, info.SHA)
	}
	return &info, nil
}

// download fetches what the snapshot of repo at rev lacks and returns the
// snapshot folder.
func download(repo, rev, cache string, o Options) (string, error) {
	info, err := fetchInfo(repo, rev, o)
	if err != nil {
		return "", err
	}
	has := map[string]bool{}
	for _, s := range info.Siblings {
		has[s.RFilename] = true
	}
	folder := repoFolder(cache, repo)
	snap := filepath.Join(folder, "snapshots", info.SHA)
	if !has[ConfigFile] {
		return "", fmt.Errorf("hub: %s has no %s: %w", repo, ConfigFile, ErrNotFound)
	}
	want := []string{ConfigFile}
	switch {
	case has[WeightsFile]:
		want = append(want, WeightsFile)
	case has[WeightsIndex]:
		want = append(want, WeightsIndex)
	default:
		msg := fmt.Sprintf("hub: %s has no %s or %s", repo, WeightsFile, WeightsIndex)
		if has[pytorchBin] {
			msg += " (only " + pytorchBin + ", which goformer does not read)"
		}
		return "", fmt.Errorf("%s: %w", msg, ErrNotFound)
	}
	for _, f := range optionalFiles {
		if has[f] {
			want = append(want, f)
		}
	}
	for _, f := range want {
		if err := fetchFile(repo, info.SHA, f, folder, snap, o); err != nil {
			return "", err
		}
	}
	if has[WeightsIndex] && !has[WeightsFile] {
		_, index, err := (&Dir{Path: snap}).weightFiles()
		if err != nil {
			return "", err
		}
		done := map[string]bool{}
		for _, shard := range index {
			if done[shard] {
				continue
			}
			done[shard] = true
			if err := fetchFile(repo, info.SHA, shard, folder, snap, o); err != nil {
				return "", err
			}
		}
	}
	if rev != info.SHA {
		ref := filepath.Join(folder, "refs", filepath.FromSlash(rev))
		if err := os.MkdirAll(filepath.Dir(ref), 0o755); err != nil {
			return "", fmt.Errorf("hub: %w", err)
		}
		if err := writeAtomic(ref, []byte(info.SHA)); err != nil {
			return "", err
		}
	}
	return snap, nil
}

// fileMeta is what a HEAD request tells of a file.
type fileMeta struct {
	etag string
	size int64 // -1 when unknown
}

func escapePath(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// head asks for a file's ETag and size without following redirects to
// other hosts: the hub answers for large (LFS) files with a redirect that
// carries X-Linked-Etag and X-Linked-Size.
func head(u string, o Options) (fileMeta, error) {
	c := *o.client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for range 5 {
		resp, err := request(&c, http.MethodHead, u, o.token(), http.Header{"Accept-Encoding": {"identity"}})
		if err != nil {
			return fileMeta{}, err
		}
		resp.Body.Close()
		etag := resp.Header.Get("X-Linked-Etag")
		if etag == "" {
			etag = resp.Header.Get("ETag")
		}
		size := int64(-1)
		if s := resp.Header.Get("X-Linked-Size"); s != "" {
			size, _ = strconv.ParseInt(s, 10, 64)
		} else if resp.StatusCode == http.StatusOK && resp.ContentLength >= 0 {
			size = resp.ContentLength
		}
		switch {
		case resp.StatusCode >= 300 && resp.StatusCode < 400 && etag == "":
			// A renamed repository: follow the redirect.
			loc, err := resp.Location()
			if err != nil {
				return fileMeta{}, fmt.Errorf("hub: HEAD %s: redirect without a location", u)
			}
			u = loc.String()
			continue
		case resp.StatusCode >= 400:
			return fileMeta{}, statusError(resp, u)
		}
		etag = normalizeETag(etag)
		if etag == "" {
			return fileMeta{}, fmt.Errorf("hub: HEAD %s: the server sent no ETag", u)
		}
		return fileMeta{etag: etag, size: size}, nil
	}
	return fileMeta{}, fmt.Errorf("hub: HEAD %s: too many redirects", u)
}

// normalizeETag strips a weak marker and quotes; the result names a blob,
// so anything but letters, digits, '-' and '_' is refused.
func normalizeETag(e string) string {
	e = strings.Trim(strings.TrimPrefix(e, "W/"), `"`)
	for _, r := range e {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return ""
		}
	}
	return e
}

// fetchFile makes snapshot entry name of the given commit available,
// downloading its blob unless the cache has it.
func fetchFile(repo, commit, name, folder, snap string, o Options) error {
	dst := filepath.Join(snap, filepath.FromSlash(name))
	if _, err := os.Stat(dst); err == nil {
		return nil
	}
	u := fmt.Sprintf("%s/%s/resolve/%s/%s", o.endpoint(), repo, commit, escapePath(name))
	meta, err := head(u, o)
	if err != nil {
		return err
	}
	blob := filepath.Join(folder, "blobs", meta.etag)
	if _, err := os.Stat(blob); err != nil {
		if err := fetchBlob(u, name, blob, meta, o); err != nil {
			return err
		}
	}
	return link(blob, dst)
}

// fetchBlob downloads u into blob through blob.incomplete, resuming from
// what an earlier attempt left there, and renames it into place once its
// size (and, for large files whose ETag is their SHA-256, its hash) is
// checked.
func fetchBlob(u, name, blob string, meta fileMeta, o Options) error {
	if err := os.MkdirAll(filepath.Dir(blob), 0o755); err != nil {
		return fmt.Errorf("hub: %w", err)
	}
	inc := blob + ".incomplete"
	f, err := os.OpenFile(inc, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("hub: %w", err)
	}
	defer f.Close()
	var h = sha256.New()
	checkHash := len(meta.etag) == 64 && isHex(meta.etag)
	off, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("hub: %w", err)
	}
	if meta.size >= 0 && off > meta.size {
		off = 0
	}
	for attempt := 0; ; attempt++ {
		hdr := http.Header{"Accept-Encoding": {"identity"}}
		if off > 0 {
			hdr.Set("Range", fmt.Sprintf("bytes=%d-", off))
		}
		resp, err := request(o.client(), http.MethodGet, u, o.token(), hdr)
		if err != nil {
			return err
		}
		switch {
		case resp.StatusCode == http.StatusPartialContent && off > 0:
		case resp.StatusCode == http.StatusOK:
			off = 0
		case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && attempt == 0:
			resp.Body.Close()
			off = 0
			continue
		default:
			defer resp.Body.Close()
			return statusError(resp, u)
		}
		err = func() error {
			defer resp.Body.Close()
			if err := f.Truncate(off); err != nil {
				return err
			}
			h.Reset()
			if checkHash && off > 0 {
				if _, err := io.Copy(h, io.NewSectionReader(f, 0, off)); err != nil {
					return err
				}
			}
			if _, err := f.Seek(off, io.SeekStart); err != nil {
				return err
			}
			w := io.Writer(f)
			if checkHash {
				w = io.MultiWriter(f, h)
			}
			pw := &progressWriter{w: w, done: off, total: meta.size, name: name, fn: o.Progress}
			if _, err := io.Copy(pw, resp.Body); err != nil {
				return &netError{err}
			}
			return nil
		}()
		if err != nil {
			return fmt.Errorf("hub: download %s: %w", name, err)
		}
		break
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("hub: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("hub: %w", err)
	}
	if meta.size >= 0 && st.Size() != meta.size {
		return &netError{fmt.Errorf("hub: download %s: got %d bytes of %d (run again to resume)", name, st.Size(), meta.size)}
	}
	if checkHash {
		if got := hex.EncodeToString(h.Sum(nil)); got != meta.etag {
			f.Close()
			os.Remove(inc)
			return fmt.Errorf("hub: download %s: SHA-256 %s differs from the hub's %s", name, got, meta.etag)
		}
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("hub: %w", err)
	}
	if err := os.Rename(inc, blob); err != nil {
		return fmt.Errorf("hub: %w", err)
	}
	return nil
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

type progressWriter struct {
	w           io.Writer
	done, total int64
	name        string
	fn          func(string, int64, int64)
}

func (p *progressWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.done += int64(n)
	if p.fn != nil {
		p.fn(p.name, p.done, p.total)
	}
	return n, err
}

// link makes dst a relative symbolic link to blob (as huggingface_hub
// does), or a copy where links are not possible.
func link(blob, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("hub: %w", err)
	}
	rel, err := filepath.Rel(filepath.Dir(dst), blob)
	if err != nil {
		rel = blob
	}
	os.Remove(dst) // a dangling link left by a removed blob
	if err := os.Symlink(rel, dst); err == nil {
		return nil
	}
	b, err := os.ReadFile(blob)
	if err != nil {
		return fmt.Errorf("hub: %w", err)
	}
	return writeAtomic(dst, b)
}
