#!/usr/bin/python3
"""Writes the GPT-2 parity fixtures of goformer's models/gpt package.

Run from the repository root with Debian's Python (python3-torch 1.13):

    /usr/bin/python3 models/gpt/testdata/gen_fixtures.py

It is never run by the tests or by CI: its outputs are committed. There is
no transformers package here, so GPT-2 is written below in plain torch with
Hugging Face's exact module names, parameter layouts and formulas
(transformers' modeling_gpt2.py, eager attention): Conv1D weights stored
[in, out] and applied with addmm, gelu_new, the causal mask as a where()
over a lower triangle, the padding mask added as finfo.min, the tied
lm_head, and the shifted loss with ignore index -100.

Each case is a Hugging Face model directory testdata/<case>/ holding
config.json and model.safetensors (names as save_pretrained writes them:
the "transformer." prefix, no lm_head.weight when tied), plus
  grads.safetensors      the loss's gradient of every parameter, under the
                         checkpoint's names and in its layouts
  reference.safetensors  in.ids, in.mask, in.labels; out.logits,
                         out.hidden.<i>, out.loss
computed in float64 from the float32 checkpoint.
"""
import json
import math
import os
import sys

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "nn", "testdata"))
from gen_fixtures import save_safetensors  # noqa: E402


class Conv1D(nn.Module):
    """transformers.pytorch_utils.Conv1D: a linear layer whose weight is
    stored [in, out]."""

    def __init__(self, nf, nx):
        super().__init__()
        self.nf = nf
        self.weight = nn.Parameter(torch.empty(nx, nf))
        self.bias = nn.Parameter(torch.zeros(nf))
        nn.init.normal_(self.weight, std=0.02)

    def forward(self, x):
        size_out = x.size()[:-1] + (self.nf,)
        x = torch.addmm(self.bias, x.view(-1, x.size(-1)), self.weight)
        return x.view(size_out)


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


ACT = {"gelu_new": gelu_new, "relu": torch.relu, "gelu": nn.functional.gelu}


class GPT2Attention(nn.Module):
    def __init__(self, config, layer_idx):
        super().__init__()
        max_positions = config["n_positions"]
        self.register_buffer("bias", torch.tril(torch.ones((max_positions, max_positions), dtype=torch.bool)).view(1, 1, max_positions, max_positions), persistent=False)
        self.embed_dim = config["n_embd"]
        self.num_heads = config["n_head"]
        self.head_dim = self.embed_dim // self.num_heads
        self.split_size = self.embed_dim
        self.scale_attn_weights = config.get("scale_attn_weights", True)
        self.scale_attn_by_inverse_layer_idx = config.get("scale_attn_by_inverse_layer_idx", False)
        self.layer_idx = layer_idx
        self.c_attn = Conv1D(3 * self.embed_dim, self.embed_dim)
        self.c_proj = Conv1D(self.embed_dim, self.embed_dim)

    def _attn(self, query, key, value, attention_mask):
        attn_weights = torch.matmul(query, key.transpose(-1, -2))
        if self.scale_attn_weights:
            attn_weights = attn_weights / torch.full([], value.size(-1) ** 0.5, dtype=attn_weights.dtype)
        if self.scale_attn_by_inverse_layer_idx:
            attn_weights = attn_weights / float(self.layer_idx + 1)
        query_length, key_length = query.size(-2), key.size(-2)
        causal_mask = self.bias[:, :, key_length - query_length: key_length, :key_length]
        mask_value = torch.finfo(attn_weights.dtype).min
        mask_value = torch.full([], mask_value, dtype=attn_weights.dtype)
        attn_weights = torch.where(causal_mask, attn_weights.to(attn_weights.dtype), mask_value)
        if attention_mask is not None:
            attn_weights = attn_weights + attention_mask
        attn_weights = nn.functional.softmax(attn_weights, dim=-1)
        return torch.matmul(attn_weights, value)

    def _split_heads(self, tensor):
        new_shape = tensor.size()[:-1] + (self.num_heads, self.head_dim)
        return tensor.view(new_shape).permute(0, 2, 1, 3)

    def _merge_heads(self, tensor):
        tensor = tensor.permute(0, 2, 1, 3).contiguous()
        return tensor.view(tensor.size()[:-2] + (self.num_heads * self.head_dim,))

    def forward(self, hidden_states, attention_mask):
        query, key, value = self.c_attn(hidden_states).split(self.split_size, dim=2)
        query, key, value = self._split_heads(query), self._split_heads(key), self._split_heads(value)
        attn_output = self._attn(query, key, value, attention_mask)
        return self.c_proj(self._merge_heads(attn_output))


class GPT2MLP(nn.Module):
    def __init__(self, intermediate_size, config):
        super().__init__()
        self.c_fc = Conv1D(intermediate_size, config["n_embd"])
        self.c_proj = Conv1D(config["n_embd"], intermediate_size)
        self.act = ACT[config["activation_function"]]

    def forward(self, x):
        return self.c_proj(self.act(self.c_fc(x)))


class GPT2Block(nn.Module):
    def __init__(self, config, layer_idx):
        super().__init__()
        d = config["n_embd"]
        inner = config.get("n_inner") or 4 * d
        self.ln_1 = nn.LayerNorm(d, eps=config["layer_norm_epsilon"])
        self.attn = GPT2Attention(config, layer_idx)
        self.ln_2 = nn.LayerNorm(d, eps=config["layer_norm_epsilon"])
        self.mlp = GPT2MLP(inner, config)

    def forward(self, hidden_states, attention_mask):
        residual = hidden_states
        hidden_states = self.attn(self.ln_1(hidden_states), attention_mask) + residual
        residual = hidden_states
        return residual + self.mlp(self.ln_2(hidden_states))


class GPT2Model(nn.Module):
    def __init__(self, config):
        super().__init__()
        d = config["n_embd"]
        self.wte = nn.Embedding(config["vocab_size"], d)
        self.wpe = nn.Embedding(config["n_positions"], d)
        self.h = nn.ModuleList([GPT2Block(config, i) for i in range(config["n_layer"])])
        self.ln_f = nn.LayerNorm(d, eps=config["layer_norm_epsilon"])

    def forward(self, input_ids, attention_mask):
        b, t = input_ids.shape
        position_ids = torch.arange(t).unsqueeze(0)
        hidden_states = self.wte(input_ids) + self.wpe(position_ids)
        # The 2-D mask becomes [B, 1, 1, T], 0 for tokens and finfo.min
        # for padding, added to the scores.
        mask = attention_mask[:, None, None, :].to(hidden_states.dtype)
        mask = (1.0 - mask) * torch.finfo(hidden_states.dtype).min
        all_hidden = []
        for block in self.h:
            all_hidden.append(hidden_states)
            hidden_states = block(hidden_states, mask)
        hidden_states = self.ln_f(hidden_states)
        all_hidden.append(hidden_states)
        return hidden_states, all_hidden


class GPT2LMHeadModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.transformer = GPT2Model(config)
        self.lm_head = nn.Linear(config["n_embd"], config["vocab_size"], bias=False)
        self.lm_head.weight = self.transformer.wte.weight  # tied

    def forward(self, input_ids, attention_mask, labels):
        h, hidden = self.transformer(input_ids, attention_mask)
        logits = self.lm_head(h)
        shift_logits = logits[..., :-1, :].contiguous()
        shift_labels = labels[..., 1:].contiguous()
        loss = nn.CrossEntropyLoss()(shift_logits.view(-1, shift_logits.size(-1)), shift_labels.view(-1))
        return logits, hidden, loss


class GPT2ForSequenceClassification(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.num_labels = len(config["id2label"])
        self.pad_token_id = config["pad_token_id"]
        self.transformer = GPT2Model(config)
        self.score = nn.Linear(config["n_embd"], self.num_labels, bias=False)

    def forward(self, input_ids, attention_mask, labels):
        h, hidden = self.transformer(input_ids, attention_mask)
        logits = self.score(h)
        b, t = input_ids.shape
        # The last non-padding token of each row.
        non_pad_mask = (input_ids != self.pad_token_id).to(torch.int32)
        token_indices = torch.arange(t, dtype=torch.int32)
        last_non_pad_token = (token_indices * non_pad_mask).argmax(-1)
        pooled_logits = logits[torch.arange(b), last_non_pad_token]
        loss = nn.CrossEntropyLoss()(pooled_logits.view(-1, self.num_labels), labels.view(-1))
        return pooled_logits, hidden, loss


def randomize(model, seed):
    """Weights large enough that every part of the model shows in the
    outputs (transformers' initialisation leaves a tiny model nearly
    linear)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or name.endswith("ln_f.weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
            elif p.dim() == 1:
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            elif "wte" in name or "wpe" in name:
                p.copy_(0.5 * torch.randn(p.shape, generator=g))
            else:
                fan_in = p.shape[0] if isinstance(dict(model.named_modules()).get(name.rsplit(".", 1)[0]), Conv1D) else p.shape[1]
                p.copy_(torch.randn(p.shape, generator=g) / math.sqrt(fan_in))


def checkpoint_state(model):
    """The tensors save_pretrained writes: the state dict without the
    non-persistent buffers and with tied weights once."""
    sd, seen = {}, set()
    for k, v in model.state_dict().items():
        if v.data_ptr() in seen:
            continue
        seen.add(v.data_ptr())
        sd[k] = v
    return sd


def write_case(name, config, model, ids, mask, labels):
    d = os.path.join(HERE, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")
    sd = checkpoint_state(model)
    save_safetensors(os.path.join(d, "model.safetensors"), {k: v.float().numpy() for k, v in sd.items()}, {"format": "pt"})
    model = model.double()
    logits, hidden, loss = model(ids, mask, labels)
    loss.backward()
    names = {id(p): k for k, p in model.named_parameters()}
    grads = {}
    for k in sd:
        p = dict(model.named_parameters())[k]
        grads[k] = p.grad.float().numpy()
    save_safetensors(os.path.join(d, "grads.safetensors"), grads)
    ref = {"in.ids": ids.to(torch.int32).numpy(), "in.mask": mask.to(torch.int32).numpy(), "in.labels": labels.to(torch.int32).numpy(),
           "out.logits": logits.detach().numpy(), "out.loss": loss.detach().reshape(()).numpy()}
    for i, h in enumerate(hidden):
        ref[f"out.hidden.{i}"] = h.detach().numpy()
    save_safetensors(os.path.join(d, "reference.safetensors"), ref)
    del names


def main():
    torch.manual_seed(0)
    config = {
        "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": 64, "n_positions": 32,
        "n_embd": 32, "n_layer": 2, "n_head": 4, "n_inner": None, "activation_function": "gelu_new",
        "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0, "layer_norm_epsilon": 1e-5,
        "initializer_range": 0.02, "scale_attn_weights": True, "scale_attn_by_inverse_layer_idx": False,
        "reorder_and_upcast_attn": False, "bos_token_id": 63, "eos_token_id": 63, "tie_word_embeddings": True,
        "torch_dtype": "float32", "transformers_version": "4.46.0",
    }
    lm = GPT2LMHeadModel(config)
    randomize(lm, 1)
    # Row 1 is right-padded by two tokens; the loss leaves padding out,
    # and one more label, as -100.
    ids = torch.randint(0, 63, (2, 7))
    mask = torch.tensor([[1] * 7, [1] * 5 + [0] * 2])
    labels = ids.masked_fill(mask == 0, -100)
    labels[0, 3] = -100
    write_case("gpt2-tiny", config, lm, ids, mask, labels)

    # Scores scaled by the inverse layer index, a ReLU feed-forward of
    # another width.
    cfg2 = dict(config, scale_attn_by_inverse_layer_idx=True, n_inner=48, activation_function="relu")
    lm2 = GPT2LMHeadModel(cfg2)
    randomize(lm2, 2)
    write_case("gpt2-variant", cfg2, lm2, ids, mask, labels)

    cls_cfg = dict(config, architectures=["GPT2ForSequenceClassification"], pad_token_id=0,
                   id2label={"0": "neg", "1": "neutral", "2": "pos"}, label2id={"neg": 0, "neutral": 1, "pos": 2})
    cls = GPT2ForSequenceClassification(cls_cfg)
    randomize(cls, 3)
    cids = torch.randint(1, 63, (2, 7))
    cids[1, 5:] = 0  # padding with pad_token_id
    write_case("gpt2-classifier", cls_cfg, cls, cids, mask, torch.tensor([2, 0]))


if __name__ == "__main__":
    print("torch", torch.__version__, file=sys.stderr)
    main()
