"""Reference generations on the fixture checkpoints of models/gpt and
models/llama, for package generate's family tests.

Loads each fixture directory's model.safetensors into the plain-torch
transcriptions of transformers' GPT-2 and Llama/Qwen2 that those packages'
generators define, runs Hugging Face's generation algorithms on them (the
ones of gen_generate.py: greedy, seeded sampling, beam search, the logits
processors), the whole sequence through the model at every step (no
cache), one prompt at a time, and writes families.json. Run from the
repository root:

    /usr/bin/python3 models/generate/testdata/gen_families.py
"""

import importlib.util
import json
import os
import struct
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "nn", "testdata"))
import gen_generate as g  # noqa: E402


def load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        if v["dtype"] != "F32":
            raise ValueError(f"{path}: {k} is {v['dtype']}, not F32")
        a, b = v["data_offsets"]
        out[k] = torch.from_numpy(np.frombuffer(data[a:b], dtype="<f4").reshape(v["shape"]).copy())
    return out


def load(family, case):
    d = os.path.join(ROOT, "models", family, "testdata", case)
    with open(os.path.join(d, "config.json")) as f:
        config = json.load(f)
    mod = load_module(f"fixtures_{family}", os.path.join(ROOT, "models", family, "testdata", "gen_fixtures.py"))
    model = mod.GPT2LMHeadModel(config) if family == "gpt" else mod.LlamaForCausalLM(config)
    missing, _ = model.load_state_dict(read_safetensors(os.path.join(d, "model.safetensors")), strict=False)
    params = {k for k, _ in model.named_parameters()}
    if any(k in params for k in missing if not k.startswith("lm_head")):
        raise ValueError(f"{case}: missing {missing}")
    model.eval()
    vocab = config["vocab_size"]

    def last_logits(input_ids):
        with torch.no_grad():
            logits = model(input_ids, torch.ones_like(input_ids), input_ids)[0]
        return logits[:, -1, :].float()

    return last_logits, vocab, config


CASES = [
    ("greedy", {"max_new_tokens": 10}),
    ("greedy with a stop token and a repetition penalty", {"max_new_tokens": 12, "repetition_penalty": 1.5, "eos_token_id": [5]}),
    ("sampling", {"max_new_tokens": 10, "do_sample": True, "temperature": 0.8, "top_k": 20, "top_p": 0.9,
                  "num_return_sequences": 2, "seed": 3, "eos_token_id": [5]}),
    ("beam search", {"max_new_tokens": 10, "num_beams": 3, "num_return_sequences": 2, "eos_token_id": [5]}),
    ("beam search never stopping early, no repeated bigram", {"max_new_tokens": 10, "num_beams": 4, "early_stopping": "never",
                                                              "length_penalty": 0.7, "no_repeat_ngram_size": 2,
                                                              "num_return_sequences": 3, "eos_token_id": [5, 9]}),
]

FIXTURES = [("gpt", "gpt2-tiny"), ("gpt", "gpt2-variant"), ("llama", "llama-gqa"), ("llama", "qwen2-tied"), ("llama", "rope-llama3")]


def main():
    prompts = [[12, 40, 7], [3, 3, 30, 18, 50, 11], [60]]
    out = {"prompts": prompts, "fixtures": []}
    for family, case in FIXTURES:
        model, vocab, _ = load(family, case)
        entry = {"family": family, "case": case, "cases": []}
        for name, cfg in CASES:
            entry["cases"].append({"name": name, "config": cfg, "results": g.run_case(model, prompts, cfg)})
        out["fixtures"].append(entry)
    with open(os.path.join(HERE, "families.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
