// Package hub loads and saves models in the Hugging Face layout, and finds
// them in (or downloads them into) the local Hugging Face cache.
//
// A Hugging Face model directory holds config.json, the weights
// (model.safetensors, or shards listed by model.safetensors.index.json) and
// tokenizer files (tokenizer.json, or BERT's vocab.txt, or GPT-2's
// vocab.json and merges.txt). Open reads one, from a local path or from a
// repository name such as "org/name":
//
//	d, err := hub.Open("bert-base-uncased", hub.Options{})
//	if err != nil { ... }
//	if err := d.Expect("bert"); err != nil { ... }    // config.json's model_type
//	var cfg bert.Config
//	if err := d.DecodeConfig(&cfg); err != nil { ... }
//	m := bert.New(cfg, nil)                           // zeros, to be loaded
//	report, err := d.Load(m, bert.Layout, hub.LoadOptions{})
//	tok, err := d.Tokenizer()
//
// Model families call this package; users mostly call a family's
// FromPretrained, which does the above.
//
// # Layouts
//
// A Layout says how a family's Go module tree (whose tensors nn.Tensors
// names) is stored in its checkpoints: a table of renames between dotted
// name patterns, the weights stored transposed (GPT-2's Conv1D), the
// buffers checkpoints may hold that the model recomputes, and the base
// model's prefix ("bert", "transformer", "model"), which a checkpoint may
// have or lack as Hugging Face's loaders allow. Load checks every name and
// shape before it copies anything and reports all problems in one
// *nn.LoadError; weights are copied straight from the memory-mapped files
// into the model, one tensor at a time. Save writes the same layout back
// (config.json, model.safetensors with Hugging Face's names, each file
// written atomically), so that transformers' from_pretrained reads it.
//
// # The cache
//
// Open with a repository name looks in the standard cache — $HF_HUB_CACHE,
// or $HF_HOME/hub, or ~/.cache/huggingface/hub — under
// models--org--name/snapshots/<commit>/, the commit read from refs/<revision>
// (refs/main by default), so that models a user already has load offline.
// When the snapshot is missing and downloads are allowed (not
// Options.Offline nor HF_HUB_OFFLINE=1), the files are downloaded into the
// same layout as huggingface_hub lays them out (blobs named by ETag,
// snapshot entries linking to them), resuming interrupted downloads,
// renaming each file into place only when complete, and sending the token
// of HF_TOKEN (or Options.Token) for private and gated models.
package hub
