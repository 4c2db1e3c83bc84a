#!/usr/bin/python3
"""Writes the Llama-family parity fixtures of goformer's models/llama
package.

Run from the repository root with Debian's Python (python3-torch 1.13):

    /usr/bin/python3 models/llama/testdata/gen_fixtures.py

It is never run by the tests or by CI: its outputs are committed. There is
no transformers package here, so LlamaForCausalLM and Qwen2ForCausalLM are
written below in plain torch with Hugging Face's exact module names,
parameter layouts and formulas (transformers' modeling_llama.py and
modeling_qwen2.py, eager attention; modeling_rope_utils.py for the RoPE
scalings): RMSNorm in float32, inv_freq from rope_theta, rotate_half,
repeat_kv for grouped-query attention, SwiGLU, the padding mask added as
finfo.min, the embedding's padding_idx, tied or untied lm_head, Qwen2's
q/k/v biases, and the shifted loss with ignore index -100.

Each case is a Hugging Face model directory testdata/<case>/ holding
config.json and model.safetensors (names as save_pretrained writes them:
the "model." prefix, no lm_head.weight when tied; bfloat16 for the case
whose torch_dtype says so), plus
  grads.safetensors      (some cases) the loss's gradient of every
                         parameter, under the checkpoint's names
  reference.safetensors  in.ids, in.mask, in.labels; out.logits,
                         out.hidden.<i>, out.loss
computed in float64 from the checkpoint's values.
"""
import json
import math
import os
import sys

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "nn", "testdata"))
from gen_fixtures import BF16, save_safetensors  # noqa: E402


class LlamaRMSNorm(nn.Module):
    def __init__(self, hidden_size, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden_size))
        self.variance_epsilon = eps

    def forward(self, hidden_states):
        input_dtype = hidden_states.dtype
        hidden_states = hidden_states.to(torch.float64)  # float32 in transformers; float64 here for a precise reference
        variance = hidden_states.pow(2).mean(-1, keepdim=True)
        hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)
        return self.weight * hidden_states.to(input_dtype)


def default_inv_freq(config, dim, base=None):
    base = config["rope_theta"] if base is None else base
    return 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).double() / dim))


def rope_inv_freq(config, dim, seq_len):
    """modeling_rope_utils.py: ROPE_INIT_FUNCTIONS, and the dynamic
    update of LlamaRotaryEmbedding for a call over seq_len positions."""
    s = config.get("rope_scaling")
    kind = None if s is None else s.get("rope_type", s.get("type"))
    if kind is None or kind == "default":
        return default_inv_freq(config, dim)
    if kind == "linear":
        return default_inv_freq(config, dim) / s["factor"]
    if kind == "dynamic":
        max_pos = config["max_position_embeddings"]
        factor = s["factor"]
        seq_len = seq_len if seq_len > max_pos else max_pos
        base = config["rope_theta"] * ((factor * seq_len / max_pos) - (factor - 1)) ** (dim / (dim - 2))
        return default_inv_freq(config, dim, base)
    if kind == "llama3":
        inv_freq = default_inv_freq(config, dim)
        factor = s["factor"]
        low_freq_factor = s["low_freq_factor"]
        high_freq_factor = s["high_freq_factor"]
        old_context_len = s["original_max_position_embeddings"]
        low_freq_wavelen = old_context_len / low_freq_factor
        high_freq_wavelen = old_context_len / high_freq_factor
        wavelen = 2 * math.pi / inv_freq
        inv_freq_llama = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
        smooth_factor = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
        smoothed_inv_freq = (1 - smooth_factor) * inv_freq_llama / factor + smooth_factor * inv_freq_llama
        is_medium_freq = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
        return torch.where(is_medium_freq, smoothed_inv_freq, inv_freq_llama)
    raise ValueError(kind)


class LlamaRotaryEmbedding(nn.Module):
    def __init__(self, config, head_dim):
        super().__init__()
        self.config, self.dim = config, head_dim

    def forward(self, x, position_ids):
        seq_len = int(position_ids.max()) + 1
        inv_freq = rope_inv_freq(self.config, self.dim, seq_len)
        inv_freq_expanded = inv_freq[None, :, None].expand(position_ids.shape[0], -1, 1)
        position_ids_expanded = position_ids[:, None, :].double()
        freqs = (inv_freq_expanded @ position_ids_expanded).transpose(1, 2)
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos().to(x.dtype), emb.sin().to(x.dtype)


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def apply_rotary_pos_emb(q, k, cos, sin, unsqueeze_dim=1):
    cos = cos.unsqueeze(unsqueeze_dim)
    sin = sin.unsqueeze(unsqueeze_dim)
    q_embed = (q * cos) + (rotate_half(q) * sin)
    k_embed = (k * cos) + (rotate_half(k) * sin)
    return q_embed, k_embed


def repeat_kv(hidden_states, n_rep):
    batch, num_key_value_heads, slen, head_dim = hidden_states.shape
    if n_rep == 1:
        return hidden_states
    hidden_states = hidden_states[:, :, None, :, :].expand(batch, num_key_value_heads, n_rep, slen, head_dim)
    return hidden_states.reshape(batch, num_key_value_heads * n_rep, slen, head_dim)


class LlamaAttention(nn.Module):
    def __init__(self, config, qkv_bias, o_bias):
        super().__init__()
        self.head_dim = config.get("head_dim") or config["hidden_size"] // config["num_attention_heads"]
        self.num_heads = config["num_attention_heads"]
        self.num_key_value_heads = config["num_key_value_heads"]
        self.num_key_value_groups = self.num_heads // self.num_key_value_heads
        self.scaling = self.head_dim ** -0.5
        h = config["hidden_size"]
        self.q_proj = nn.Linear(h, self.num_heads * self.head_dim, bias=qkv_bias)
        self.k_proj = nn.Linear(h, self.num_key_value_heads * self.head_dim, bias=qkv_bias)
        self.v_proj = nn.Linear(h, self.num_key_value_heads * self.head_dim, bias=qkv_bias)
        self.o_proj = nn.Linear(self.num_heads * self.head_dim, h, bias=o_bias)

    def forward(self, hidden_states, position_embeddings, attention_mask):
        input_shape = hidden_states.shape[:-1]
        hidden_shape = (*input_shape, -1, self.head_dim)
        query_states = self.q_proj(hidden_states).view(hidden_shape).transpose(1, 2)
        key_states = self.k_proj(hidden_states).view(hidden_shape).transpose(1, 2)
        value_states = self.v_proj(hidden_states).view(hidden_shape).transpose(1, 2)
        cos, sin = position_embeddings
        query_states, key_states = apply_rotary_pos_emb(query_states, key_states, cos, sin)
        key_states = repeat_kv(key_states, self.num_key_value_groups)
        value_states = repeat_kv(value_states, self.num_key_value_groups)
        attn_weights = torch.matmul(query_states, key_states.transpose(2, 3)) * self.scaling
        attn_weights = attn_weights + attention_mask
        attn_weights = nn.functional.softmax(attn_weights, dim=-1, dtype=torch.float64).to(query_states.dtype)
        attn_output = torch.matmul(attn_weights, value_states)
        attn_output = attn_output.transpose(1, 2).contiguous()
        attn_output = attn_output.reshape(*input_shape, -1).contiguous()
        return self.o_proj(attn_output)


class LlamaMLP(nn.Module):
    def __init__(self, config):
        super().__init__()
        h, i, b = config["hidden_size"], config["intermediate_size"], config.get("mlp_bias", False)
        self.gate_proj = nn.Linear(h, i, bias=b)
        self.up_proj = nn.Linear(h, i, bias=b)
        self.down_proj = nn.Linear(i, h, bias=b)
        self.act_fn = nn.functional.silu

    def forward(self, x):
        return self.down_proj(self.act_fn(self.gate_proj(x)) * self.up_proj(x))


class LlamaDecoderLayer(nn.Module):
    def __init__(self, config, qkv_bias, o_bias):
        super().__init__()
        self.self_attn = LlamaAttention(config, qkv_bias, o_bias)
        self.mlp = LlamaMLP(config)
        self.input_layernorm = LlamaRMSNorm(config["hidden_size"], eps=config["rms_norm_eps"])
        self.post_attention_layernorm = LlamaRMSNorm(config["hidden_size"], eps=config["rms_norm_eps"])

    def forward(self, hidden_states, position_embeddings, attention_mask):
        residual = hidden_states
        hidden_states = self.input_layernorm(hidden_states)
        hidden_states = self.self_attn(hidden_states, position_embeddings, attention_mask)
        hidden_states = residual + hidden_states
        residual = hidden_states
        hidden_states = self.post_attention_layernorm(hidden_states)
        hidden_states = self.mlp(hidden_states)
        return residual + hidden_states


class LlamaModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        qwen = config["model_type"] == "qwen2"
        qkv_bias = qwen or config.get("attention_bias", False)
        o_bias = (not qwen) and config.get("attention_bias", False)
        self.padding_idx = config.get("pad_token_id")
        self.embed_tokens = nn.Embedding(config["vocab_size"], config["hidden_size"], self.padding_idx)
        self.layers = nn.ModuleList([LlamaDecoderLayer(config, qkv_bias, o_bias) for _ in range(config["num_hidden_layers"])])
        self.norm = LlamaRMSNorm(config["hidden_size"], eps=config["rms_norm_eps"])
        head_dim = config.get("head_dim") or config["hidden_size"] // config["num_attention_heads"]
        self.rotary_emb = LlamaRotaryEmbedding(config, head_dim)

    def forward(self, input_ids, attention_mask):
        inputs_embeds = self.embed_tokens(input_ids)
        b, t = input_ids.shape
        position_ids = torch.arange(t).unsqueeze(0).expand(b, -1)
        # The causal mask with padding: [B, 1, T, T], 0 where attention is
        # allowed and finfo.min elsewhere.
        dtype = inputs_embeds.dtype
        min_value = torch.finfo(dtype).min
        causal = torch.full((t, t), min_value, dtype=dtype).triu(1)
        mask = causal[None, None].expand(b, 1, t, t).clone()
        pad = attention_mask[:, None, None, :] == 0
        mask = mask.masked_fill(pad, min_value)
        hidden_states = inputs_embeds
        position_embeddings = self.rotary_emb(hidden_states, position_ids)
        all_hidden = []
        for layer in self.layers:
            all_hidden.append(hidden_states)
            hidden_states = layer(hidden_states, position_embeddings, mask)
        hidden_states = self.norm(hidden_states)
        all_hidden.append(hidden_states)
        return hidden_states, all_hidden


class LlamaForCausalLM(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.model = LlamaModel(config)
        self.lm_head = nn.Linear(config["hidden_size"], config["vocab_size"], bias=False)
        if config["tie_word_embeddings"]:
            self.lm_head.weight = self.model.embed_tokens.weight

    def forward(self, input_ids, attention_mask, labels):
        h, hidden = self.model(input_ids, attention_mask)
        logits = self.lm_head(h)
        shift_logits = logits[..., :-1, :].contiguous()
        shift_labels = labels[..., 1:].contiguous()
        loss = nn.CrossEntropyLoss()(shift_logits.view(-1, shift_logits.size(-1)), shift_labels.view(-1))
        return logits, hidden, loss


def randomize(model, seed):
    """Weights large enough that every part of the model shows in the
    outputs."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight") or name.endswith("layernorm.weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
            elif p.dim() == 1:
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            elif "embed_tokens" in name:
                p.copy_(torch.randn(p.shape, generator=g))
            else:
                p.copy_(torch.randn(p.shape, generator=g) / math.sqrt(p.shape[1]))


def checkpoint_state(model):
    sd, seen = {}, set()
    for k, v in model.state_dict().items():
        if v.data_ptr() in seen:
            continue
        seen.add(v.data_ptr())
        sd[k] = v
    return sd


def write_case(name, config, seed, ids, mask, labels, grads=False):
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    randomize(model, seed)
    d = os.path.join(HERE, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")
    sd = checkpoint_state(model)
    bf16 = config.get("torch_dtype") == "bfloat16"
    if bf16:
        # The reference runs on the values the checkpoint holds.
        with torch.no_grad():
            for v in sd.values():
                v.copy_(v.to(torch.bfloat16).float())
        weights = {k: BF16(v.numpy()) for k, v in sd.items()}
    else:
        weights = {k: v.float().numpy() for k, v in sd.items()}
    save_safetensors(os.path.join(d, "model.safetensors"), weights, {"format": "pt"})
    model = model.double()
    logits, hidden, loss = model(ids, mask, labels)
    ref = {"in.ids": ids.to(torch.int32).numpy(), "in.mask": mask.to(torch.int32).numpy(), "in.labels": labels.to(torch.int32).numpy(),
           "out.logits": logits.detach().numpy(), "out.loss": loss.detach().reshape(()).numpy()}
    for i, h in enumerate(hidden):
        ref[f"out.hidden.{i}"] = h.detach().numpy()
    save_safetensors(os.path.join(d, "reference.safetensors"), ref)
    if grads:
        loss.backward()
        params = dict(model.named_parameters())
        save_safetensors(os.path.join(d, "grads.safetensors"), {k: params[k].grad.float().numpy() for k in sd})


def main():
    base = {
        "model_type": "llama", "architectures": ["LlamaForCausalLM"], "vocab_size": 64, "hidden_size": 32,
        "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
        "hidden_act": "silu", "max_position_embeddings": 32, "initializer_range": 0.02, "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0, "rope_scaling": None, "attention_bias": False, "attention_dropout": 0.0,
        "mlp_bias": False, "tie_word_embeddings": False, "bos_token_id": 1, "eos_token_id": 2,
        "pad_token_id": 0, "torch_dtype": "float32", "transformers_version": "4.46.0",
    }
    torch.manual_seed(0)
    ids = torch.randint(1, 64, (2, 7))
    mask = torch.tensor([[1] * 7, [1] * 5 + [0] * 2])
    ids[1, 5:] = 0
    labels = ids.masked_fill(mask == 0, -100)
    labels[0, 3] = -100
    # Grouped-query attention, untied head, a padding row in the
    # embedding.
    write_case("llama-gqa", base, 1, ids, mask, labels, grads=True)
    # Qwen2: biases on q, k, v (not o), tied embeddings, one key/value
    # head, another base.
    qwen = dict(base, model_type="qwen2", architectures=["Qwen2ForCausalLM"], num_key_value_heads=1,
                tie_word_embeddings=True, rope_theta=1000000.0, rms_norm_eps=1e-6, use_sliding_window=False,
                sliding_window=32, max_window_layers=2)
    write_case("qwen2-tied", qwen, 2, ids, mask, labels, grads=True)
    # A SmolLM-like checkpoint stored in bfloat16, tied, with a head size
    # set apart from the width, and no padding token.
    smol = dict(base, tie_word_embeddings=True, num_attention_heads=2, num_key_value_heads=2, head_dim=12,
                pad_token_id=None, torch_dtype="bfloat16", num_hidden_layers=1)
    write_case("smollm-bf16", smol, 3, ids, mask, labels)
    # The RoPE scalings, over 24 positions (beyond the 16 of the dynamic
    # case's context). Attention and MLP biases on, for coverage.
    long_ids = torch.randint(1, 64, (1, 24))
    long_mask = torch.ones(1, 24, dtype=torch.int64)
    long_labels = long_ids.clone()
    one = dict(base, num_hidden_layers=1, pad_token_id=None)
    write_case("rope-linear", dict(one, rope_scaling={"type": "linear", "factor": 4.0}, attention_bias=True, mlp_bias=True),
               4, long_ids, long_mask, long_labels)
    write_case("rope-dynamic", dict(one, rope_scaling={"type": "dynamic", "factor": 2.0}, max_position_embeddings=16),
               5, long_ids, long_mask, long_labels)
    write_case("rope-llama3", dict(one, rope_theta=100.0, rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                                                      "high_freq_factor": 4.0, "original_max_position_embeddings": 32}),
               6, long_ids, long_mask, long_labels)


if __name__ == "__main__":
    print("torch", torch.__version__, file=sys.stderr)
    main()
