#!/usr/bin/python3
"""Writes the parity fixtures of goformer's models/seq2seq package.

Run from the repository root with Debian's Python (python3-torch 1.13):

    /usr/bin/python3 models/seq2seq/testdata/gen_seq2seq.py

It is never run by the tests or by CI: its outputs are committed. There is
no transformers package here, so T5 is written below in plain torch with
the module and parameter names of Hugging Face's T5ForConditionalGeneration
(modeling_t5.py) and its exact formulas: T5LayerNorm (RMS without mean),
T5DenseActDense / T5DenseGatedActDense (gelu_new), T5Attention without
biases and without 1/sqrt(d) scaling, with the relative position buckets
of _relative_position_bucket kept in block 0, the additive masks of
get_extended_attention_mask (finfo.min), _shift_right, and the tied LM
head rescaled by d_model**-0.5. The original Transformer is torch's own
nn.TransformerEncoder/Decoder with a shared embedding scaled by sqrt(d),
interleaved sinusoidal positions and an output projection by the shared
embedding.

For each model it writes a checkpoint directory in Hugging Face's layout,
testdata/<name>/{config.json, model.safetensors} (T5 saved as
save_pretrained saves it: tied copies of the embeddings left out), and
testdata/<name>.ref.safetensors holding
  input_ids, attention_mask, labels   a padded batch (labels -100-padded)
  decoder_input_ids                   the labels shifted right
  encoder_out                         the encoder's last hidden state
  logits, loss                        teacher-forced, in eval mode
  grad.<name>                         d loss / d parameter, HF names
  greedy                              greedy decoding, uncached, GREEDY steps
and testdata/t5_buckets.safetensors with _relative_position_bucket of
relative positions -300..300 for a few bucket settings.

T5 v1.0 comes with a tokenizer, as T5 checkpoints do: spiece.model, a
SentencePiece Unigram model of 100 pieces with T5's special ids (pad 0,
</s> 1, <unk> 2, no <s>) trained by python3-sentencepiece on the first
lines of embed/sotu/sample.txt (State of the Union addresses, public
domain) without a normalization rule (T5's nmt_nfkc table alone would
make the file 240 KB; package tokenize tests that table), and tokenizer_config.json with 4 extra ids (<extra_id_3> ... 
<extra_id_0> take ids 100..103, as T5Tokenizer numbers them). Its batch is
tokenized text: T5Tokenizer's ids, sentencepiece's encoding followed by
</s>; the texts and ids are in the reference too (tok.N, metadata
"texts").
"""
import json
import math
import os
import sys

import io

import numpy as np
import sentencepiece as spm
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "nn", "testdata"))
from gen_fixtures import save_safetensors  # noqa: E402

GREEDY = 8


# ---------------------------------------------------------------- T5


class Config:
    def __init__(self, d):
        self.__dict__.update(d)
        if getattr(self, "num_decoder_layers", None) is None:
            self.num_decoder_layers = self.num_layers
        act_info = self.feed_forward_proj.split("-")
        self.dense_act_fn = act_info[-1]
        self.is_gated_act = act_info[0] == "gated"
        if self.feed_forward_proj == "gated-gelu":
            self.dense_act_fn = "gelu_new"
        self.tie_word_embeddings = d.get("tie_word_embeddings", True)
        self.is_decoder = False


class NewGELUActivation(nn.Module):
    def forward(self, input):
        return 0.5 * input * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (input + 0.044715 * torch.pow(input, 3.0))))


ACT2FN = {"relu": nn.ReLU(), "gelu_new": NewGELUActivation(), "gelu": nn.GELU()}


class T5LayerNorm(nn.Module):
    def __init__(self, hidden_size, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden_size))
        self.variance_epsilon = eps

    def forward(self, hidden_states):
        variance = hidden_states.to(torch.float32).pow(2).mean(-1, keepdim=True)
        hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)
        return self.weight * hidden_states


class T5DenseActDense(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.wi = nn.Linear(config.d_model, config.d_ff, bias=False)
        self.wo = nn.Linear(config.d_ff, config.d_model, bias=False)
        self.dropout = nn.Dropout(config.dropout_rate)
        self.act = ACT2FN[config.dense_act_fn]

    def forward(self, hidden_states):
        hidden_states = self.wi(hidden_states)
        hidden_states = self.act(hidden_states)
        hidden_states = self.dropout(hidden_states)
        return self.wo(hidden_states)


class T5DenseGatedActDense(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.wi_0 = nn.Linear(config.d_model, config.d_ff, bias=False)
        self.wi_1 = nn.Linear(config.d_model, config.d_ff, bias=False)
        self.wo = nn.Linear(config.d_ff, config.d_model, bias=False)
        self.dropout = nn.Dropout(config.dropout_rate)
        self.act = ACT2FN[config.dense_act_fn]

    def forward(self, hidden_states):
        hidden_gelu = self.act(self.wi_0(hidden_states))
        hidden_linear = self.wi_1(hidden_states)
        hidden_states = hidden_gelu * hidden_linear
        hidden_states = self.dropout(hidden_states)
        return self.wo(hidden_states)


class T5LayerFF(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.DenseReluDense = T5DenseGatedActDense(config) if config.is_gated_act else T5DenseActDense(config)
        self.layer_norm = T5LayerNorm(config.d_model, eps=config.layer_norm_epsilon)
        self.dropout = nn.Dropout(config.dropout_rate)

    def forward(self, hidden_states):
        forwarded_states = self.layer_norm(hidden_states)
        forwarded_states = self.DenseReluDense(forwarded_states)
        return hidden_states + self.dropout(forwarded_states)


def relative_position_bucket(relative_position, bidirectional=True, num_buckets=32, max_distance=128):
    relative_buckets = 0
    if bidirectional:
        num_buckets //= 2
        relative_buckets += (relative_position > 0).to(torch.long) * num_buckets
        relative_position = torch.abs(relative_position)
    else:
        relative_position = -torch.min(relative_position, torch.zeros_like(relative_position))
    max_exact = num_buckets // 2
    is_small = relative_position < max_exact
    relative_position_if_large = max_exact + (
        torch.log(relative_position.float() / max_exact)
        / math.log(max_distance / max_exact)
        * (num_buckets - max_exact)
    ).to(torch.long)
    relative_position_if_large = torch.min(
        relative_position_if_large, torch.full_like(relative_position_if_large, num_buckets - 1)
    )
    relative_buckets += torch.where(is_small, relative_position, relative_position_if_large)
    return relative_buckets


class T5Attention(nn.Module):
    def __init__(self, config, has_relative_attention_bias=False):
        super().__init__()
        self.is_decoder = config.is_decoder
        self.has_relative_attention_bias = has_relative_attention_bias
        self.relative_attention_num_buckets = config.relative_attention_num_buckets
        self.relative_attention_max_distance = config.relative_attention_max_distance
        self.d_model = config.d_model
        self.key_value_proj_dim = config.d_kv
        self.n_heads = config.num_heads
        self.dropout = config.dropout_rate
        self.inner_dim = self.n_heads * self.key_value_proj_dim
        self.q = nn.Linear(self.d_model, self.inner_dim, bias=False)
        self.k = nn.Linear(self.d_model, self.inner_dim, bias=False)
        self.v = nn.Linear(self.d_model, self.inner_dim, bias=False)
        self.o = nn.Linear(self.inner_dim, self.d_model, bias=False)
        if self.has_relative_attention_bias:
            self.relative_attention_bias = nn.Embedding(self.relative_attention_num_buckets, self.n_heads)

    def compute_bias(self, query_length, key_length):
        context_position = torch.arange(query_length, dtype=torch.long)[:, None]
        memory_position = torch.arange(key_length, dtype=torch.long)[None, :]
        relative_position = memory_position - context_position
        buckets = relative_position_bucket(
            relative_position,
            bidirectional=(not self.is_decoder),
            num_buckets=self.relative_attention_num_buckets,
            max_distance=self.relative_attention_max_distance,
        )
        values = self.relative_attention_bias(buckets)
        return values.permute([2, 0, 1]).unsqueeze(0)

    def forward(self, hidden_states, mask=None, key_value_states=None, position_bias=None):
        batch_size, seq_length = hidden_states.shape[:2]
        real_seq_length = seq_length
        key_length = real_seq_length if key_value_states is None else key_value_states.shape[1]

        def shape(states):
            return states.view(batch_size, -1, self.n_heads, self.key_value_proj_dim).transpose(1, 2)

        def unshape(states):
            return states.transpose(1, 2).contiguous().view(batch_size, -1, self.inner_dim)

        kv = hidden_states if key_value_states is None else key_value_states
        query_states = shape(self.q(hidden_states))
        key_states = shape(self.k(kv))
        value_states = shape(self.v(kv))
        scores = torch.matmul(query_states, key_states.transpose(3, 2))
        if position_bias is None:
            if not self.has_relative_attention_bias:
                position_bias = torch.zeros((1, self.n_heads, real_seq_length, key_length), dtype=scores.dtype)
            else:
                position_bias = self.compute_bias(real_seq_length, key_length)
            if mask is not None:
                position_bias = position_bias + mask
        scores += position_bias
        attn_weights = F.softmax(scores.float(), dim=-1).type_as(scores)
        attn_weights = F.dropout(attn_weights, p=self.dropout, training=self.training)
        attn_output = unshape(torch.matmul(attn_weights, value_states))
        return self.o(attn_output), position_bias


class T5LayerSelfAttention(nn.Module):
    def __init__(self, config, has_relative_attention_bias=False):
        super().__init__()
        self.SelfAttention = T5Attention(config, has_relative_attention_bias=has_relative_attention_bias)
        self.layer_norm = T5LayerNorm(config.d_model, eps=config.layer_norm_epsilon)
        self.dropout = nn.Dropout(config.dropout_rate)

    def forward(self, hidden_states, attention_mask=None, position_bias=None):
        normed = self.layer_norm(hidden_states)
        out, position_bias = self.SelfAttention(normed, mask=attention_mask, position_bias=position_bias)
        return hidden_states + self.dropout(out), position_bias


class T5LayerCrossAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.EncDecAttention = T5Attention(config, has_relative_attention_bias=False)
        self.layer_norm = T5LayerNorm(config.d_model, eps=config.layer_norm_epsilon)
        self.dropout = nn.Dropout(config.dropout_rate)

    def forward(self, hidden_states, key_value_states, attention_mask=None, position_bias=None):
        normed = self.layer_norm(hidden_states)
        out, position_bias = self.EncDecAttention(
            normed, mask=attention_mask, key_value_states=key_value_states, position_bias=position_bias)
        return hidden_states + self.dropout(out), position_bias


class T5Block(nn.Module):
    def __init__(self, config, has_relative_attention_bias=False):
        super().__init__()
        self.is_decoder = config.is_decoder
        self.layer = nn.ModuleList()
        self.layer.append(T5LayerSelfAttention(config, has_relative_attention_bias=has_relative_attention_bias))
        if self.is_decoder:
            self.layer.append(T5LayerCrossAttention(config))
        self.layer.append(T5LayerFF(config))

    def forward(self, hidden_states, attention_mask, position_bias, encoder_hidden_states=None,
                encoder_attention_mask=None, encoder_decoder_position_bias=None):
        hidden_states, position_bias = self.layer[0](hidden_states, attention_mask, position_bias)
        if self.is_decoder:
            hidden_states, encoder_decoder_position_bias = self.layer[1](
                hidden_states, encoder_hidden_states, encoder_attention_mask, encoder_decoder_position_bias)
        hidden_states = self.layer[-1](hidden_states)
        return hidden_states, position_bias, encoder_decoder_position_bias


def extended_mask(mask, dtype, causal):
    """get_extended_attention_mask: [B, 1, Tq|1, Tk] of 0 and finfo.min."""
    b, t = mask.shape
    if causal:
        seq_ids = torch.arange(t)
        causal_mask = seq_ids[None, None, :].repeat(b, t, 1) <= seq_ids[None, :, None]
        causal_mask = causal_mask.to(mask.dtype)
        ext = causal_mask[:, None, :, :] * mask[:, None, None, :]
    else:
        ext = mask[:, None, None, :]
    ext = ext.to(dtype=dtype)
    return (1.0 - ext) * torch.finfo(dtype).min


class T5Stack(nn.Module):
    def __init__(self, config, embed_tokens):
        super().__init__()
        self.embed_tokens = embed_tokens
        self.is_decoder = config.is_decoder
        n = config.num_decoder_layers if self.is_decoder else config.num_layers
        self.block = nn.ModuleList([T5Block(config, has_relative_attention_bias=bool(i == 0)) for i in range(n)])
        self.final_layer_norm = T5LayerNorm(config.d_model, eps=config.layer_norm_epsilon)
        self.dropout = nn.Dropout(config.dropout_rate)

    def forward(self, input_ids, attention_mask=None, encoder_hidden_states=None, encoder_attention_mask=None):
        inputs_embeds = self.embed_tokens(input_ids)
        b, t = input_ids.shape
        if attention_mask is None:
            attention_mask = torch.ones(b, t, dtype=torch.long)
        ext = extended_mask(attention_mask, inputs_embeds.dtype, self.is_decoder)
        enc_ext = None
        if self.is_decoder:
            if encoder_attention_mask is None:
                encoder_attention_mask = torch.ones(b, encoder_hidden_states.shape[1], dtype=torch.long)
            enc_ext = extended_mask(encoder_attention_mask, inputs_embeds.dtype, False)
        position_bias = None
        encoder_decoder_position_bias = None
        hidden_states = self.dropout(inputs_embeds)
        for layer_module in self.block:
            hidden_states, position_bias, encoder_decoder_position_bias = layer_module(
                hidden_states, ext, position_bias, encoder_hidden_states, enc_ext, encoder_decoder_position_bias)
        hidden_states = self.final_layer_norm(hidden_states)
        return self.dropout(hidden_states)


class T5ForConditionalGeneration(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.model_dim = config.d_model
        self.shared = nn.Embedding(config.vocab_size, config.d_model)
        enc = Config(config.raw)
        enc.is_decoder = False
        self.encoder = T5Stack(enc, self.shared)
        dec = Config(config.raw)
        dec.is_decoder = True
        dec.num_layers = config.num_decoder_layers
        self.decoder = T5Stack(dec, self.shared)
        self.lm_head = nn.Linear(config.d_model, config.vocab_size, bias=False)
        if config.tie_word_embeddings:
            self.lm_head.weight = self.shared.weight

    def _shift_right(self, input_ids):
        decoder_start_token_id = self.config.decoder_start_token_id
        pad_token_id = self.config.pad_token_id
        shifted_input_ids = input_ids.new_zeros(input_ids.shape)
        shifted_input_ids[..., 1:] = input_ids[..., :-1].clone()
        shifted_input_ids[..., 0] = decoder_start_token_id
        shifted_input_ids.masked_fill_(shifted_input_ids == -100, pad_token_id)
        return shifted_input_ids

    def encode(self, input_ids, attention_mask):
        return self.encoder(input_ids, attention_mask)

    def decode(self, decoder_input_ids, encoder_out, attention_mask):
        sequence_output = self.decoder(decoder_input_ids, None, encoder_out, attention_mask)
        if self.config.tie_word_embeddings:
            sequence_output = sequence_output * (self.model_dim ** -0.5)
        return self.lm_head(sequence_output)

    def init_weights(self, g):
        """_init_weights of T5PreTrainedModel (factor 1), then layer norms
        and relative biases drawn away from their defaults so that a
        mapping error shows."""
        c = self.config
        f = c.initializer_factor
        with torch.no_grad():
            for name, m in self.named_modules():
                if isinstance(m, T5LayerNorm):
                    m.weight.copy_(1 + 0.3 * torch.randn(m.weight.shape, generator=g))
                elif isinstance(m, (T5DenseActDense, T5DenseGatedActDense)):
                    for lin in ("wi", "wi_0", "wi_1"):
                        if hasattr(m, lin):
                            getattr(m, lin).weight.normal_(0, f * c.d_model ** -0.5, generator=g)
                    m.wo.weight.normal_(0, f * c.d_ff ** -0.5, generator=g)
                elif isinstance(m, T5Attention):
                    m.q.weight.normal_(0, f * (c.d_model * c.d_kv) ** -0.5, generator=g)
                    m.k.weight.normal_(0, f * c.d_model ** -0.5, generator=g)
                    m.v.weight.normal_(0, f * c.d_model ** -0.5, generator=g)
                    m.o.weight.normal_(0, f * (c.num_heads * c.d_kv) ** -0.5, generator=g)
                    if m.has_relative_attention_bias:
                        m.relative_attention_bias.weight.normal_(0, 1.0, generator=g)
            self.shared.weight.normal_(0, f, generator=g)
            if not c.tie_word_embeddings:
                self.lm_head.weight.normal_(0, f, generator=g)

    def hf_state_dict(self):
        """The tensors save_pretrained writes: tied copies left out."""
        sd = {k: v for k, v in self.state_dict().items()}
        for k in ("encoder.embed_tokens.weight", "decoder.embed_tokens.weight"):
            sd.pop(k)
        if self.config.tie_word_embeddings:
            sd.pop("lm_head.weight")
        return sd


def t5_config(raw):
    c = Config(dict(raw))
    c.raw = dict(raw)
    return c


# ---------------------------------------------------------------- Transformer


def sinusoidal(max_len, dim):
    pe = np.zeros((max_len, dim), dtype=np.float64)
    for p in range(max_len):
        for i in range(dim // 2):
            a = p / math.pow(10000, 2 * i / dim)
            pe[p, 2 * i], pe[p, 2 * i + 1] = math.sin(a), math.cos(a)
    return torch.tensor(pe.astype(np.float32))


class Transformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        d = c["d_model"]
        pre = c["norm_first"]
        self.shared = nn.Embedding(c["vocab_size"], d)
        enc_layer = nn.TransformerEncoderLayer(
            d, c["num_heads"], c["d_ff"], c["dropout"], activation=c["activation_function"],
            layer_norm_eps=c["layer_norm_eps"], batch_first=True, norm_first=pre)
        self.encoder = nn.TransformerEncoder(
            enc_layer, c["num_encoder_layers"], norm=nn.LayerNorm(d, eps=c["layer_norm_eps"]) if pre else None,
            enable_nested_tensor=False)
        dec_layer = nn.TransformerDecoderLayer(
            d, c["num_heads"], c["d_ff"], c["dropout"], activation=c["activation_function"],
            layer_norm_eps=c["layer_norm_eps"], batch_first=True, norm_first=pre)
        self.decoder = nn.TransformerDecoder(
            dec_layer, c["num_decoder_layers"], norm=nn.LayerNorm(d, eps=c["layer_norm_eps"]) if pre else None)
        self.register_buffer("pe", sinusoidal(c["max_position_embeddings"], d), persistent=False)

    def embed(self, ids):
        x = self.shared(ids) * math.sqrt(self.c["d_model"])
        return x + self.pe[: ids.shape[1]]

    def encode(self, input_ids, attention_mask):
        return self.encoder(self.embed(input_ids), src_key_padding_mask=attention_mask == 0)

    def decode(self, decoder_input_ids, encoder_out, attention_mask):
        t = decoder_input_ids.shape[1]
        causal = torch.triu(torch.ones(t, t, dtype=torch.bool), diagonal=1)
        h = self.decoder(self.embed(decoder_input_ids), encoder_out, tgt_mask=causal,
                         memory_key_padding_mask=attention_mask == 0)
        return h @ self.shared.weight.T

    def _shift_right(self, labels):
        s = labels.new_zeros(labels.shape)
        s[..., 1:] = labels[..., :-1]
        s[..., 0] = self.c["decoder_start_token_id"]
        s.masked_fill_(s == -100, self.c["pad_token_id"])
        return s

    def init_weights(self, g):
        """Every parameter drawn independently (nn.TransformerEncoder
        starts its layers as copies of one), norms away from one."""
        with torch.no_grad():
            for name, p in self.named_parameters():
                if "norm" in name and name.endswith("weight"):
                    p.copy_(1 + 0.3 * torch.randn(p.shape, generator=g))
                elif p.dim() == 1:
                    p.copy_(0.2 * torch.randn(p.shape, generator=g))
                elif name == "shared.weight":
                    p.normal_(0, self.c["d_model"] ** -0.5, generator=g)
                else:
                    p.normal_(0, p.shape[1] ** -0.5, generator=g)

    def hf_state_dict(self):
        return dict(self.state_dict())


# ---------------------------------------------------------------- fixtures


def batch(g, vocab, lengths_src, lengths_tgt, pad, eos):
    b = len(lengths_src)
    s, t = max(lengths_src), max(lengths_tgt)
    ids = torch.full((b, s), pad, dtype=torch.long)
    mask = torch.zeros(b, s, dtype=torch.long)
    labels = torch.full((b, t), -100, dtype=torch.long)
    for i, (ls, lt) in enumerate(zip(lengths_src, lengths_tgt)):
        ids[i, : ls - 1] = torch.randint(3, vocab, (ls - 1,), generator=g)
        ids[i, ls - 1] = eos
        mask[i, :ls] = 1
        labels[i, : lt - 1] = torch.randint(3, vocab, (lt - 1,), generator=g)
        labels[i, lt - 1] = eos
    return ids, mask, labels


EXTRA_IDS = 4


def train_spiece(path):
    """Trains T5's kind of SentencePiece model on the sample sentences."""
    with open(os.path.join(ROOT, "embed", "sotu", "sample.txt")) as f:
        lines = [l.strip() for l in f][:3000]
    out = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_writer=out, vocab_size=100, model_type="unigram",
        pad_id=0, eos_id=1, unk_id=2, bos_id=-1, character_coverage=1.0, seed_sentencepiece_size=10000,
        num_threads=1, normalization_rule_name="identity", minloglevel=2)
    with open(path, "wb") as f:
        f.write(out.getvalue())
    return spm.SentencePieceProcessor(model_proto=out.getvalue())


TEXTS = [
    "the president of the united states",
    "we shall make the laws of the nation",
    "peace and war",
    "our people will always remember",
    "the congress",
    "it is a great honor to be here",
]


def text_batch(sp, sources, targets, pad):
    """T5Tokenizer's padded batch: ids followed by </s>."""
    src = [sp.encode(t) + [1] for t in sources]
    tgt = [sp.encode(t) + [1] for t in targets]
    s, t = max(map(len, src)), max(map(len, tgt))
    ids = torch.full((len(src), s), pad, dtype=torch.long)
    mask = torch.zeros(len(src), s, dtype=torch.long)
    labels = torch.full((len(src), t), -100, dtype=torch.long)
    for i, (a, b) in enumerate(zip(src, tgt)):
        ids[i, : len(a)] = torch.tensor(a)
        mask[i, : len(a)] = 1
        labels[i, : len(b)] = torch.tensor(b)
    return ids, mask, labels


def greedy(model, ids, mask, start, steps):
    """Uncached greedy decoding: the whole prefix is decoded again at each
    step, so that it is independent of any cache. Returns the tokens and
    the smallest gap between the best and second-best logits."""
    enc = model.encode(ids, mask)
    dec = torch.full((ids.shape[0], 1), start, dtype=torch.long)
    gap = float("inf")
    for _ in range(steps):
        logits = model.decode(dec, enc, mask)[:, -1]
        top = logits.topk(2, dim=-1).values
        gap = min(gap, (top[:, 0] - top[:, 1]).min().item())
        dec = torch.cat([dec, logits.argmax(-1, keepdim=True)], dim=1)
    return dec[:, 1:], gap


def write_model(name, model, config, ids, mask, labels, extra=None, meta_extra=None):
    model.eval()
    d = os.path.join(HERE, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")
    sd = {k: v.detach().numpy() for k, v in model.hf_state_dict().items()}
    save_safetensors(os.path.join(d, "model.safetensors"), sd, {"format": "pt"})

    start = config["decoder_start_token_id"]
    dec_in = model._shift_right(labels)
    model.zero_grad()
    enc = model.encode(ids, mask)
    logits = model.decode(dec_in, enc, mask)
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100)
    loss.backward()
    ref = {
        "input_ids": ids.to(torch.int32).numpy(),
        "attention_mask": mask.to(torch.int32).numpy(),
        "labels": labels.to(torch.int32).numpy(),
        "decoder_input_ids": dec_in.to(torch.int32).numpy(),
        "encoder_out": enc.detach().numpy(),
        "logits": logits.detach().numpy(),
        "loss": loss.detach().numpy(),
    }
    for k, p in model.named_parameters():
        ref["grad." + k] = p.grad.numpy()
    with torch.no_grad():
        tokens, gap = greedy(model, ids, mask, start, GREEDY)
    assert gap > 1e-3, f"{name}: greedy decoding has a near tie ({gap}); change the seed"
    ref["greedy"] = tokens.to(torch.int32).numpy()
    ref.update(extra or {})
    meta = {"generator": "models/seq2seq/testdata/gen_seq2seq.py", "torch": torch.__version__,
            "greedy_min_gap": f"{gap:.4g}"}
    meta.update(meta_extra or {})
    save_safetensors(os.path.join(HERE, name + ".ref.safetensors"), ref, meta)


def main():
    torch.manual_seed(0)
    t5_common = {
        "architectures": ["T5ForConditionalGeneration"], "d_model": 12, "decoder_start_token_id": 0,
        "dropout_rate": 0.1, "eos_token_id": 1, "initializer_factor": 1.0, "is_encoder_decoder": True,
        "layer_norm_epsilon": 1e-6, "n_positions": 512, "pad_token_id": 0, "use_cache": True,
        "relative_attention_num_buckets": 8, "relative_attention_max_distance": 20,
        "transformers_version": "4.40.0", "vocab_size": 100 + EXTRA_IDS,
    }
    models = [
        ("t5-v1.0", dict(t5_common, model_type="t5", d_kv=6, num_heads=3, d_ff=20, num_layers=2,
                         num_decoder_layers=3, feed_forward_proj="relu", output_past=True), 1),
        ("t5-v1.1", dict(t5_common, model_type="t5", d_kv=4, num_heads=3, d_ff=16, num_layers=2,
                         feed_forward_proj="gated-gelu", tie_word_embeddings=False,
                         dense_act_fn="gelu_new", is_gated_act=True), 2),
    ]
    for name, raw, seed in models:
        g = torch.Generator().manual_seed(seed)
        c = t5_config(raw)
        m = T5ForConditionalGeneration(c)
        m.init_weights(g)
        if name != "t5-v1.0":
            ids, mask, labels = batch(g, c.vocab_size, [11, 7, 4], [9, 6, 3], c.pad_token_id, c.eos_token_id)
            write_model(name, m, raw, ids, mask, labels)
            continue
        d = os.path.join(HERE, name)
        os.makedirs(d, exist_ok=True)
        sp = train_spiece(os.path.join(d, "spiece.model"))
        with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
            json.dump({"tokenizer_class": "T5Tokenizer", "extra_ids": EXTRA_IDS, "eos_token": "</s>",
                       "pad_token": "<pad>", "unk_token": "<unk>", "model_max_length": 512,
                       "additional_special_tokens": [f"<extra_id_{i}>" for i in range(EXTRA_IDS)]},
                      f, indent=2, sort_keys=True)
            f.write("\n")
        ids, mask, labels = text_batch(sp, TEXTS[:3], TEXTS[3:], c.pad_token_id)
        tok = {f"tok.{i}": np.array(sp.encode(t) + [1], dtype=np.int32) for i, t in enumerate(TEXTS)}
        write_model(name, m, raw, ids, mask, labels, tok, {"texts": json.dumps(TEXTS)})

    tr_common = {
        "model_type": "transformer", "architectures": ["Transformer"], "vocab_size": 40, "d_model": 16,
        "num_heads": 4, "d_ff": 24, "num_encoder_layers": 2, "num_decoder_layers": 2,
        "max_position_embeddings": 64, "dropout": 0.1, "activation_function": "relu",
        "layer_norm_eps": 1e-5, "pad_token_id": 0, "bos_token_id": 1, "eos_token_id": 2,
        "decoder_start_token_id": 1,
    }
    for name, pre, act, seed in [("transformer-postln", False, "relu", 3), ("transformer-preln", True, "gelu", 4)]:
        g = torch.Generator().manual_seed(seed)
        c = dict(tr_common, norm_first=pre, activation_function=act)
        m = Transformer(c)
        m.init_weights(g)
        ids, mask, labels = batch(g, c["vocab_size"], [10, 6, 3], [8, 5, 2], c["pad_token_id"], c["eos_token_id"])
        write_model(name, m, c, ids, mask, labels)

    rel = torch.arange(-300, 301)
    buckets = {"relative_position": rel.to(torch.int32).numpy()}
    for nb, md in [(32, 128), (8, 20), (16, 40)]:
        for bi in (True, False):
            key = f"{'bidirectional' if bi else 'causal'}.{nb}.{md}"
            buckets[key] = relative_position_bucket(rel, bi, nb, md).to(torch.int32).numpy()
    save_safetensors(os.path.join(HERE, "t5_buckets.safetensors"), buckets,
                     {"generator": "models/seq2seq/testdata/gen_seq2seq.py", "torch": torch.__version__})


if __name__ == "__main__":
    main()
