package serve

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/goformer/goformer/models/bert"
	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/serve/api"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/tokenize"
)

// Embedder is a BERT-family model serving /v1/embeddings: each input's
// hidden states pooled into one vector (the mean over its tokens, the
// [CLS] token's state, or the pooler's output), normalized or not.
type Embedder struct {
	// Model is the encoder; it must record no gradients (nn.Detached).
	Model *bert.Model
	// Tokenizer encodes the inputs, with BERT's [CLS] and [SEP].
	Tokenizer *tokenize.Tokenizer
	// Pooling and Normalize are the defaults of requests.
	Pooling   bert.Pooling
	Normalize bool
	// MaxLen is the most tokens of an input, special tokens included.
	MaxLen int
	// Name is the model's default id.
	Name string
}

// LoadEmbedder loads a BERT model directory or hub repository for
// embeddings. A sentence-transformers model (all-MiniLM-L6-v2, ...) pools
// and normalizes as its 1_Pooling/config.json and modules.json say, within
// the max_seq_length of sentence_bert_config.json; another model
// mean-pools without normalizing.
func LoadEmbedder(nameOrPath string, o hub.Options) (*Embedder, error) {
	m, dir, err := bert.FromPretrained[*bert.Model](nameOrPath, bert.Options{Hub: o})
	if err != nil {
		return nil, err
	}
	tok, err := dir.Tokenizer()
	if err != nil {
		return nil, err
	}
	tok.Padding, tok.Truncation = nil, nil // inputs are checked and padded here
	e := &Embedder{Model: nn.Detached(m), Tokenizer: tok, MaxLen: m.Config.MaxPositionEmbeddings, Name: ModelID(nameOrPath)}
	var pc struct {
		CLS  bool `json:"pooling_mode_cls_token"`
		Mean bool `json:"pooling_mode_mean_tokens"`
	}
	if b, err := os.ReadFile(filepath.Join(dir.Path, "1_Pooling", "config.json")); err == nil && json.Unmarshal(b, &pc) == nil && pc.CLS && !pc.Mean {
		e.Pooling = bert.CLS
	}
	var mods []struct {
		Type string `json:"type"`
	}
	if b, err := os.ReadFile(filepath.Join(dir.Path, "modules.json")); err == nil && json.Unmarshal(b, &mods) == nil {
		for _, m := range mods {
			if strings.HasSuffix(m.Type, ".Normalize") {
				e.Normalize = true
			}
		}
	}
	var sc struct {
		MaxSeqLength int `json:"max_seq_length"`
	}
	if b, err := os.ReadFile(filepath.Join(dir.Path, "sentence_bert_config.json")); err == nil && json.Unmarshal(b, &sc) == nil && sc.MaxSeqLength > 0 {
		e.MaxLen = min(e.MaxLen, sc.MaxSeqLength)
	}
	return e, nil
}

// ModelID returns the id a model is served under by default: a hub
// repository's name ("org/name") as given, a directory's base name.
func ModelID(nameOrPath string) string {
	if st, err := os.Stat(nameOrPath); err == nil && st.IsDir() {
		abs, err := filepath.Abs(nameOrPath)
		if err == nil {
			return filepath.Base(abs)
		}
	}
	return nameOrPath
}

// embedBatch is the most inputs run through the model at once.
const embedBatch = 32

func (s *Server) embeddings(w http.ResponseWriter, r *http.Request) *apiError {
	e := s.cfg.Embedder
	if e == nil {
		return &apiError{status: http.StatusNotFound, typ: "invalid_request_error", code: "model_not_found", param: "model",
			msg: "this server has no embedding model (see /v1/models)"}
	}
	var req api.EmbeddingRequest
	if err := s.readJSON(w, r, &req); err != nil {
		return err
	}
	if err := checkModel(req.Model, s.cfg.EmbedderName); err != nil {
		return err
	}
	switch {
	case len(req.Input) == 0:
		return badRequest("input", "input is required")
	case len(req.Input) > s.cfg.MaxEmbeddingInputs:
		return badRequest("input", "%d inputs: at most %d per request", len(req.Input), s.cfg.MaxEmbeddingInputs)
	case req.EncodingFormat != "" && req.EncodingFormat != "float" && req.EncodingFormat != "base64":
		return badRequest("encoding_format", "encoding_format %q: want \"float\" or \"base64\"", req.EncodingFormat)
	case req.Dimensions != nil && *req.Dimensions != e.Model.Config.HiddenSize:
		return badRequest("dimensions", "dimensions %d: the model's embeddings have %d", *req.Dimensions, e.Model.Config.HiddenSize)
	}
	opts := bert.EmbedOptions{Pooling: e.Pooling, Normalize: e.Normalize}
	if req.Pooling != "" {
		p, err := bert.ParsePooling(req.Pooling)
		if err != nil {
			return badRequest("pooling", "pooling %q: want mean, cls or pooled", req.Pooling)
		}
		if p == bert.Pooled && e.Model.Pooler == nil {
			return badRequest("pooling", "the model has no pooler")
		}
		opts.Pooling = p
	}
	cls, _ := e.Tokenizer.TokenToID("[CLS]")
	sep, _ := e.Tokenizer.TokenToID("[SEP]")
	ids := make([][]int, len(req.Input))
	tokens := 0
	for i, in := range req.Input {
		if in.IsTokens {
			ids[i] = append(append([]int{cls}, in.Tokens...), sep)
			for _, id := range in.Tokens {
				if id < 0 || id >= e.Model.Config.VocabSize {
					return badRequest("input", "input %d: token id %d is outside the vocabulary of %d", i, id, e.Model.Config.VocabSize)
				}
			}
		} else {
			if in.Text == "" {
				return badRequest("input", "input %d is an empty string", i)
			}
			enc, err := e.Tokenizer.Encode(in.Text)
			if err != nil {
				return badRequest("input", "input %d: %v", i, err)
			}
			ids[i] = enc.IDs
		}
		if len(ids[i]) > e.MaxLen {
			er := badRequest("input", "input %d has %d tokens, more than the model's %d", i, len(ids[i]), e.MaxLen)
			er.code = "context_length_exceeded"
			return er
		}
		tokens += len(ids[i])
	}
	select {
	case s.embedSem <- struct{}{}:
	case <-r.Context().Done():
		return s.eventError(r.Context().Err())
	}
	vecs, err := embed(e.Model, ids, opts)
	<-s.embedSem
	if err != nil {
		return &apiError{status: http.StatusInternalServerError, typ: "server_error", msg: err.Error()}
	}
	s.m.embedToks.Add(uint64(tokens))
	resp := api.EmbeddingResponse{Object: "list", Model: s.cfg.EmbedderName, Usage: api.Usage{PromptTokens: tokens, TotalTokens: tokens}}
	for i, v := range vecs {
		resp.Data = append(resp.Data, api.EmbeddingData{Object: "embedding", Index: i, Embedding: api.Embedding{Values: v, Base64: req.EncodingFormat == "base64"}})
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// embed runs the inputs through m in batches, each padded to its longest
// input.
func embed(m *bert.Model, ids [][]int, o bert.EmbedOptions) (out [][]float32, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("serve: the embedding model failed: %v", r)
		}
	}()
	for lo := 0; lo < len(ids); lo += embedBatch {
		batch := ids[lo:min(lo+embedBatch, len(ids))]
		n := 0
		for _, x := range batch {
			n = max(n, len(x))
		}
		b := len(batch)
		flat, mask := make([]int32, b*n), make([]int32, b*n)
		for i, x := range batch {
			for j, id := range x {
				flat[i*n+j], mask[i*n+j] = int32(id), 1
			}
		}
		v := m.Embed(bert.Input{IDs: tensor.FromSlice(flat, b, n), Mask: tensor.FromSlice(mask, b, n)}, o)
		vals, d := v.Float32s(), v.Dim(1)
		for i := range b {
			out = append(out, vals[i*d:(i+1)*d:(i+1)*d])
		}
	}
	return out, nil
}
