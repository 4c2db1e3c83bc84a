// Package model ships the small pre-trained BERT that examples/finetune
// starts from, in the Hugging Face layout: config.json, model.safetensors
// and vocab.txt. README.md beside this file says how examples/pretrain
// made it, with the exact command and seed.
package model

import "embed"

// FS holds config.json, model.safetensors and vocab.txt.
//
//go:embed config.json model.safetensors vocab.txt
var FS embed.FS
