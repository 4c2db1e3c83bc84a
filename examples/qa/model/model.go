// Package model ships the small pre-trained BERT that examples/qa starts
// from, in the Hugging Face layout: config.json, model.safetensors and
// vocab.txt. README.md beside this file says how examples/pretrain made
// it, and why question answering starts from it rather than from
// examples/finetune's checkpoint.
package model

import "embed"

// FS holds config.json, model.safetensors and vocab.txt.
//
//go:embed config.json model.safetensors vocab.txt
var FS embed.FS
