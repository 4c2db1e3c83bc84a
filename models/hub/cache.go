package hub

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Options says where Resolve and Open look for a model and how they
// download it. The zero value uses the standard cache, revision "main",
// the public hub and the environment's token, downloading when needed.
type Options struct {
	// Revision is a branch, tag or commit hash; empty means "main".
	Revision string
	// CacheDir overrides the cache folder (see CacheDir).
	CacheDir string
	// Endpoint overrides the hub's address ($HF_ENDPOINT, else
	// https://huggingface.co).
	Endpoint string
	// Token authenticates to the hub, for private and gated models;
	// empty uses $HF_TOKEN, else the file huggingface-cli login writes
	// ($HF_TOKEN_PATH, else $HF_HOME/token).
	Token string
	// Offline never touches the network, as HF_HUB_OFFLINE=1 does.
	Offline bool
	// Client makes the requests; nil uses http.DefaultClient.
	Client *http.Client
	// Progress, when set, is called as a file downloads with the bytes
	// received so far and the file's size (-1 when unknown).
	Progress func(file string, done, total int64)
}

// CacheDir returns the Hugging Face cache folder of this environment:
// $HF_HUB_CACHE, else $HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub, else
// $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub.
func CacheDir() string {
	if d := os.Getenv("HF_HUB_CACHE"); d != "" {
		return d
	}
	if d := os.Getenv("HUGGINGFACE_HUB_CACHE"); d != "" {
		return d
	}
	return filepath.Join(hfHome(), "hub")
}

func hfHome() string {
	if d := os.Getenv("HF_HOME"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "huggingface")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = "."
	}
	return filepath.Join(home, ".cache", "huggingface")
}

func (o Options) cacheDir() string {
	if o.CacheDir != "" {
		return o.CacheDir
	}
	return CacheDir()
}

func (o Options) revision() string {
	if o.Revision != "" {
		return o.Revision
	}
	return "main"
}

func (o Options) endpoint() string {
	e := o.Endpoint
	if e == "" {
		e = os.Getenv("HF_ENDPOINT")
	}
	if e == "" {
		e = "https://huggingface.co"
	}
	return strings.TrimRight(e, "/")
}

func (o Options) token() string {
	if o.Token != "" {
		return o.Token
	}
	for _, k := range []string{"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"} {
		if t := os.Getenv(k); t != "" {
			return t
		}
	}
	path := os.Getenv("HF_TOKEN_PATH")
	if path == "" {
		path = filepath.Join(hfHome(), "token")
	}
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b))
	}
	return ""
}

func (o Options) offline() bool {
	if o.Offline {
		return true
	}
	switch strings.ToLower(os.Getenv("HF_HUB_OFFLINE")) {
	case "1", "on", "yes", "true":
		return true
	}
	return false
}

func (o Options) client() *http.Client {
	if o.Client != nil {
		return o.Client
	}
	return http.DefaultClient
}

var (
	repoPart = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	commitRe = regexp.MustCompile(`^[0-9a-f]{40}$`)
)

// validRepoID reports whether id is "name" or "org/name" as the hub
// spells them.
func validRepoID(id string) bool {
	parts := strings.Split(id, "/")
	if len(parts) > 2 {
		return false
	}
	for _, p := range parts {
		if !repoPart.MatchString(p) || strings.Contains(p, "..") || len(p) > 96 {
			return false
		}
	}
	return true
}

// repoFolder is the cache folder of a model repository:
// models--org--name.
func repoFolder(cache, repo string) string {
	return filepath.Join(cache, "models--"+strings.ReplaceAll(repo, "/", "--"))
}

// validRevision rejects revisions that would escape refs/.
func validRevision(rev string) bool {
	if rev == "" || strings.HasPrefix(rev, "/") || strings.Contains(rev, "..") || strings.ContainsAny(rev, "\\\x00") {
		return false
	}
	return true
}

// cachedSnapshot returns the snapshot folder of repo at rev when the
// cache has it (its config.json at least).
func cachedSnapshot(cache, repo, rev string) (string, bool) {
	folder := repoFolder(cache, repo)
	commit := rev
	if !commitRe.MatchString(rev) {
		b, err := os.ReadFile(filepath.Join(folder, "refs", filepath.FromSlash(rev)))
		if err != nil {
			return "", false
		}
		commit = strings.TrimSpace(string(b))
		if !commitRe.MatchString(commit) {
			return "", false
		}
	}
	snap := filepath.Join(folder, "snapshots", commit)
	if _, err := os.Stat(filepath.Join(snap, ConfigFile)); err != nil {
		return "", false
	}
	return snap, true
}

// Resolve returns the local folder of repository repo ("org/name") at
// o's revision: a snapshot of the cache. Unless offline, it asks the hub
// which commit the revision names and downloads what the snapshot lacks
// of the model's files (config.json, the safetensors weights, the
// tokenizer files, generation_config.json); when the hub cannot be
// reached it falls back on the cached snapshot, as huggingface_hub does.
// Offline, only the cache is read. A model found nowhere gives an error
// wrapping ErrNotFound.
func Resolve(repo string, o Options) (string, error) {
	if !validRepoID(repo) {
		return "", fmt.Errorf("hub: %q is not a repository name (org/name): %w", repo, ErrNotFound)
	}
	rev := o.revision()
	if !validRevision(rev) {
		return "", fmt.Errorf("hub: %q is not a revision: %w", rev, ErrNotFound)
	}
	cache := o.cacheDir()
	if o.offline() {
		if snap, ok := cachedSnapshot(cache, repo, rev); ok {
			return snap, nil
		}
		return "", fmt.Errorf("hub: %s (revision %s) is not in the cache %s and downloads are off: %w", repo, rev, cache, ErrNotFound)
	}
	snap, err := download(repo, rev, cache, o)
	if err != nil {
		if isNetworkError(err) {
			if snap, ok := cachedSnapshot(cache, repo, rev); ok {
				return snap, nil
			}
		}
		return "", err
	}
	return snap, nil
}
