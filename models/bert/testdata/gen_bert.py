#!/usr/bin/python3
"""Writes the parity fixtures of goformer's models/bert package.

Run from the repository root with Debian's Python (python3-torch 1.13):

    /usr/bin/python3 models/bert/testdata/gen_bert.py

It is never run by the tests or by CI: its outputs are committed. There is
no transformers package here, so BERT is written below in plain torch with
Hugging Face's module structure (hence its exact parameter names), its
initialisation, its formulas (erf GELU, LayerNorm eps 1e-12, the extended
attention mask (1 - mask) * finfo(dtype).min added to the scores, tanh
pooler, the tied MLM decoder with a separate bias) and its losses, as in
transformers' modeling_bert.py.

Each fixture is a folder as save_pretrained writes it:
  config.json          BertConfig's fields, with architectures
  model.safetensors    float32 weights under Hugging Face's names, tied
                       duplicates (cls.predictions.decoder.*) left out
and beside them expected.safetensors with
  in.<name>            the inputs (input_ids, token_type_ids, attention_mask, labels...)
  out.<name>           outputs: logits, hidden_states.<i>, pooled, loss...
  grad.<name>          the gradient of the loss for every parameter
computed in float64 from the float32 weights, in evaluation mode (no
dropout), and stored as float32. Safetensors files are written by hand with struct and json
(8-byte little-endian header length, JSON header, data), since Debian has
no safetensors package.
"""
import json
import math
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))

DTYPES = {torch.float64: "F64", torch.float32: "F32", torch.int64: "I64", torch.int32: "I32"}


def save_safetensors(path, tensors, metadata=None):
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    blobs, offset = [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        data = t.numpy().tobytes()  # little-endian on the hosts torch runs on
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path)} bytes)")


ACT = {"gelu": lambda x: F.gelu(x), "relu": F.relu, "gelu_new": lambda x: F.gelu(x, approximate="tanh")}


class Cfg:
    def __init__(self, **kw):
        self.vocab_size = 50
        self.hidden_size = 16
        self.num_hidden_layers = 2
        self.num_attention_heads = 2
        self.intermediate_size = 24
        self.hidden_act = "gelu"
        self.hidden_dropout_prob = 0.1
        self.attention_probs_dropout_prob = 0.1
        self.max_position_embeddings = 32
        self.type_vocab_size = 2
        self.initializer_range = 0.02
        self.layer_norm_eps = 1e-12
        self.pad_token_id = 0
        self.position_embedding_type = "absolute"
        self.classifier_dropout = None
        self.num_labels = 2
        self.problem_type = None
        self.__dict__.update(kw)

    def to_json(self, arch):
        d = {k: v for k, v in self.__dict__.items() if k not in ("num_labels",)}
        d["id2label"] = {str(i): f"LABEL_{i}" for i in range(self.num_labels)}
        d["label2id"] = {f"LABEL_{i}": i for i in range(self.num_labels)}
        d["architectures"] = [arch]
        d["model_type"] = "bert"
        d["torch_dtype"] = "float32"
        d["transformers_version"] = "4.40.0"
        return d


class BertEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden_size, padding_idx=c.pad_token_id)
        self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.token_type_embeddings = nn.Embedding(c.type_vocab_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.dropout = nn.Dropout(c.hidden_dropout_prob)
        self.register_buffer("position_ids", torch.arange(c.max_position_embeddings).expand((1, -1)), persistent=False)

    def forward(self, input_ids, token_type_ids):
        t = input_ids.shape[1]
        e = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        e = e + self.position_embeddings(self.position_ids[:, :t])
        return self.dropout(self.LayerNorm(e))


class BertSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.h = c.num_attention_heads
        self.dh = c.hidden_size // c.num_attention_heads
        self.query = nn.Linear(c.hidden_size, c.hidden_size)
        self.key = nn.Linear(c.hidden_size, c.hidden_size)
        self.value = nn.Linear(c.hidden_size, c.hidden_size)
        self.dropout = nn.Dropout(c.attention_probs_dropout_prob)

    def split(self, x):
        b, t, _ = x.shape
        return x.view(b, t, self.h, self.dh).permute(0, 2, 1, 3)

    def forward(self, x, ext_mask):
        q, k, v = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.dh) + ext_mask
        p = self.dropout(F.softmax(scores, dim=-1))
        ctx = torch.matmul(p, v).permute(0, 2, 1, 3).contiguous()
        return ctx.view(ctx.shape[0], ctx.shape[1], -1)


class BertSelfOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.dropout = nn.Dropout(c.hidden_dropout_prob)

    def forward(self, h, x):
        return self.LayerNorm(self.dropout(self.dense(h)) + x)


class BertAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = BertSelfAttention(c)
        self.output = BertSelfOutput(c)

    def forward(self, x, ext_mask):
        return self.output(self.self(x, ext_mask), x)


class BertIntermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.intermediate_size)
        self.act = ACT[c.hidden_act]

    def forward(self, x):
        return self.act(self.dense(x))


class BertOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.intermediate_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.dropout = nn.Dropout(c.hidden_dropout_prob)

    def forward(self, h, x):
        return self.LayerNorm(self.dropout(self.dense(h)) + x)


class BertLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = BertAttention(c)
        self.intermediate = BertIntermediate(c)
        self.output = BertOutput(c)

    def forward(self, x, ext_mask):
        a = self.attention(x, ext_mask)
        return self.output(self.intermediate(a), a)


class BertEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(c) for _ in range(c.num_hidden_layers)])

    def forward(self, x, ext_mask):
        states = [x]
        for l in self.layer:
            x = l(x, ext_mask)
            states.append(x)
        return states


class BertPooler(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)

    def forward(self, h):
        return torch.tanh(self.dense(h[:, 0]))


class BertModel(nn.Module):
    def __init__(self, c, add_pooling_layer=True):
        super().__init__()
        self.embeddings = BertEmbeddings(c)
        self.encoder = BertEncoder(c)
        self.pooler = BertPooler(c) if add_pooling_layer else None

    def forward(self, input_ids, token_type_ids, attention_mask):
        dt = self.embeddings.word_embeddings.weight.dtype
        ext = (1.0 - attention_mask[:, None, None, :].to(dt)) * torch.finfo(dt).min
        states = self.encoder(self.embeddings(input_ids, token_type_ids), ext)
        pooled = self.pooler(states[-1]) if self.pooler is not None else None
        return states, pooled


class BertPredictionHeadTransform(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)
        self.act = ACT[c.hidden_act]
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, x):
        return self.LayerNorm(self.act(self.dense(x)))


class BertLMPredictionHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.transform = BertPredictionHeadTransform(c)
        self.decoder = nn.Linear(c.hidden_size, c.vocab_size, bias=False)
        self.bias = nn.Parameter(torch.zeros(c.vocab_size))
        self.decoder.bias = self.bias

    def forward(self, x):
        return self.decoder(self.transform(x))


class BertOnlyMLMHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.predictions = BertLMPredictionHead(c)


class BertOnlyNSPHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.seq_relationship = nn.Linear(c.hidden_size, 2)


class BertPreTrainingHeads(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.predictions = BertLMPredictionHead(c)
        self.seq_relationship = nn.Linear(c.hidden_size, 2)


class BertForPreTraining(nn.Module):
    arch = "BertForPreTraining"

    def __init__(self, c):
        super().__init__()
        self.bert = BertModel(c)
        self.cls = BertPreTrainingHeads(c)
        self.cls.predictions.decoder.weight = self.bert.embeddings.word_embeddings.weight

    def forward(self, ids, types, mask, labels, next_sentence_label):
        states, pooled = self.bert(ids, types, mask)
        mlm = self.cls.predictions(states[-1])
        nsp = self.cls.seq_relationship(pooled)
        loss = F.cross_entropy(mlm.view(-1, mlm.shape[-1]), labels.view(-1)) + F.cross_entropy(nsp, next_sentence_label)
        return loss, {"prediction_logits": mlm, "seq_relationship_logits": nsp}, states, pooled


class BertForMaskedLM(nn.Module):
    arch = "BertForMaskedLM"

    def __init__(self, c):
        super().__init__()
        self.bert = BertModel(c, add_pooling_layer=False)
        self.cls = BertOnlyMLMHead(c)
        self.cls.predictions.decoder.weight = self.bert.embeddings.word_embeddings.weight

    def forward(self, ids, types, mask, labels):
        states, pooled = self.bert(ids, types, mask)
        logits = self.cls.predictions(states[-1])
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), labels.view(-1)), {"logits": logits}, states, pooled


class BertForNextSentencePrediction(nn.Module):
    arch = "BertForNextSentencePrediction"

    def __init__(self, c):
        super().__init__()
        self.bert = BertModel(c)
        self.cls = BertOnlyNSPHead(c)

    def forward(self, ids, types, mask, labels):
        states, pooled = self.bert(ids, types, mask)
        logits = self.cls.seq_relationship(pooled)
        return F.cross_entropy(logits, labels), {"logits": logits}, states, pooled


class BertForSequenceClassification(nn.Module):
    arch = "BertForSequenceClassification"

    def __init__(self, c):
        super().__init__()
        self.c = c
        self.bert = BertModel(c)
        p = c.classifier_dropout if c.classifier_dropout is not None else c.hidden_dropout_prob
        self.dropout = nn.Dropout(p)
        self.classifier = nn.Linear(c.hidden_size, c.num_labels)

    def forward(self, ids, types, mask, labels):
        states, pooled = self.bert(ids, types, mask)
        logits = self.classifier(self.dropout(pooled))
        pt = self.c.problem_type
        if pt is None:
            if self.c.num_labels == 1:
                pt = "regression"
            elif labels.dtype in (torch.long, torch.int):
                pt = "single_label_classification"
            else:
                pt = "multi_label_classification"
        if pt == "regression":
            loss = F.mse_loss(logits.squeeze(), labels.squeeze())
        elif pt == "single_label_classification":
            loss = F.cross_entropy(logits.view(-1, self.c.num_labels), labels.view(-1))
        else:
            loss = F.binary_cross_entropy_with_logits(logits, labels)
        return loss, {"logits": logits}, states, pooled


class BertForMultipleChoice(nn.Module):
    arch = "BertForMultipleChoice"

    def __init__(self, c):
        super().__init__()
        self.bert = BertModel(c)
        p = c.classifier_dropout if c.classifier_dropout is not None else c.hidden_dropout_prob
        self.dropout = nn.Dropout(p)
        self.classifier = nn.Linear(c.hidden_size, 1)

    def forward(self, ids, types, mask, labels):
        nc = ids.shape[1]
        flat = lambda x: x.view(-1, x.shape[-1])
        states, pooled = self.bert(flat(ids), flat(types), flat(mask))
        logits = self.classifier(self.dropout(pooled)).view(-1, nc)
        return F.cross_entropy(logits, labels), {"logits": logits}, states, pooled


class BertForTokenClassification(nn.Module):
    arch = "BertForTokenClassification"

    def __init__(self, c):
        super().__init__()
        self.c = c
        self.bert = BertModel(c, add_pooling_layer=False)
        p = c.classifier_dropout if c.classifier_dropout is not None else c.hidden_dropout_prob
        self.dropout = nn.Dropout(p)
        self.classifier = nn.Linear(c.hidden_size, c.num_labels)

    def forward(self, ids, types, mask, labels):
        states, pooled = self.bert(ids, types, mask)
        logits = self.classifier(self.dropout(states[-1]))
        return F.cross_entropy(logits.view(-1, self.c.num_labels), labels.view(-1)), {"logits": logits}, states, pooled


class BertForQuestionAnswering(nn.Module):
    arch = "BertForQuestionAnswering"

    def __init__(self, c):
        super().__init__()
        self.bert = BertModel(c, add_pooling_layer=False)
        self.qa_outputs = nn.Linear(c.hidden_size, c.num_labels)

    def forward(self, ids, types, mask, start_positions, end_positions):
        states, pooled = self.bert(ids, types, mask)
        start, end = self.qa_outputs(states[-1]).split(1, dim=-1)
        start, end = start.squeeze(-1).contiguous(), end.squeeze(-1).contiguous()
        ignored = start.shape[1]
        sp, ep = start_positions.clamp(0, ignored), end_positions.clamp(0, ignored)
        loss = (F.cross_entropy(start, sp, ignore_index=ignored) + F.cross_entropy(end, ep, ignore_index=ignored)) / 2
        return loss, {"start_logits": start, "end_logits": end}, states, pooled


class BertBase(nn.Module):
    """BertModel itself; its loss is a fixed random projection of the last
    hidden state and the pooled output, so that every gradient is tested."""
    arch = "BertModel"

    def __init__(self, c):
        super().__init__()
        self.m = BertModel(c)

    def forward(self, ids, types, mask, probe, probe_pooled):
        states, pooled = self.m(ids, types, mask)
        loss = (states[-1] * probe).sum() + (pooled * probe_pooled).sum()
        return loss, {}, states, pooled

    def state_dict(self, *a, **kw):
        return self.m.state_dict(*a, **kw)

    def named_parameters(self, *a, **kw):
        return self.m.named_parameters(*a, **kw)


def randomize(model, seed):
    """Draws every parameter so that no mapping error can hide behind a
    zero bias or a unit norm weight: weights and biases N(0, 0.1) (five
    times Hugging Face's initial spread, so that attention mixes tokens
    enough for every gradient to be well above rounding noise), norm
    weights 1 + N(0, 0.1), the padding row of the word embeddings zero."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm.weight" in name:
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            if name.endswith("word_embeddings.weight"):
                p[0].zero_()


def inputs(c, seed, b=2, t=7):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(4, c.vocab_size, (b, t), generator=g)
    ids[:, 0] = 2  # [CLS]
    mask = torch.ones(b, t, dtype=torch.long)
    mask[1, -2:] = 0
    ids[1, -2:] = 0  # padding
    types = torch.zeros(b, t, dtype=torch.long)
    types[:, t // 2:] = 1
    types[1, -2:] = 0
    return ids, types, mask, g


def write(name, cls, cfg, seed, extra, drop_prefix_dups=True, keep_position_ids=False):
    folder = os.path.join(HERE, name)
    os.makedirs(folder, exist_ok=True)
    model = cls(cfg)
    randomize(model, seed)
    sd = model.state_dict()
    # save_pretrained leaves out the tied duplicates.
    for k in ("cls.predictions.decoder.weight", "cls.predictions.decoder.bias"):
        sd.pop(k, None)
    if keep_position_ids:  # as checkpoints of transformers before 4.31 hold it
        sd["bert.embeddings.position_ids"] = torch.arange(cfg.max_position_embeddings).view(1, -1)
    save_safetensors(os.path.join(folder, "model.safetensors"), sd, {"format": "pt"})
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(cfg.to_json(cls.arch), f, indent=2, sort_keys=True)
        f.write("\n")
    model = model.double().eval()
    loss, outs, states, pooled = model(*extra)
    loss.backward()
    exp = {"out.loss": loss.detach()}
    for k, v in outs.items():
        exp["out." + k] = v.detach()
    for i, s in enumerate(states):
        exp[f"out.hidden_states.{i}"] = s.detach()
    if pooled is not None:
        exp["out.pooled"] = pooled.detach()
    names = ("input_ids", "token_type_ids", "attention_mask")
    for k, v in zip(names, extra[:3]):
        exp["in." + k] = v
    for i, v in enumerate(extra[3:]):
        exp[f"in.arg{i}"] = v
    seen = set()
    for k, p in model.named_parameters():
        if id(p) in seen:
            continue
        seen.add(id(p))
        exp["grad." + k] = p.grad
    if cls is BertBase:
        last, m = states[-1], extra[2].to(torch.float64)
        exp["out.embed.mean"] = ((last * m[..., None]).sum(1) / m.sum(1, keepdim=True).clamp(min=1e-9)).detach()
        exp["out.embed.cls"] = last[:, 0].detach()
    # Stored as float32: rounding them costs 6e-8 of relative error, far
    # below the tolerances, and halves the fixtures.
    save_safetensors(os.path.join(folder, "expected.safetensors"), {k: v.float() if v.is_floating_point() else v for k, v in exp.items()})


def main():
    torch.manual_seed(0)
    c = Cfg()
    ids, types, mask, g = inputs(c, 1)
    b, t = ids.shape

    probe = torch.randn(b, t, c.hidden_size, generator=g, dtype=torch.float64)
    probe_pooled = torch.randn(b, c.hidden_size, generator=g, dtype=torch.float64)
    write("base", BertBase, c, 10, (ids, types, mask, probe, probe_pooled))

    mlm_labels = torch.full((b, t), -100, dtype=torch.long)
    mlm_labels[0, 2], mlm_labels[0, 5], mlm_labels[1, 1] = 7, 11, 13
    write("masked_lm", BertForMaskedLM, c, 11, (ids, types, mask, mlm_labels))

    nsp = torch.tensor([0, 1])
    write("nsp", BertForNextSentencePrediction, c, 12, (ids, types, mask, nsp))
    write("pretraining", BertForPreTraining, c, 13, (ids, types, mask, mlm_labels, nsp), keep_position_ids=True)

    write("seq_cls", BertForSequenceClassification, Cfg(num_labels=3), 14, (ids, types, mask, torch.tensor([2, 0])))
    write("seq_regression", BertForSequenceClassification, Cfg(num_labels=1), 15, (ids, types, mask, torch.tensor([0.5, -1.25], dtype=torch.float64)))
    multi = torch.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]], dtype=torch.float64)
    write("seq_multilabel", BertForSequenceClassification, Cfg(num_labels=3, problem_type="multi_label_classification"), 16, (ids, types, mask, multi))

    nc, tc = 3, 5
    mc_ids = torch.randint(4, c.vocab_size, (b, nc, tc), generator=g)
    mc_ids[..., 0] = 2
    mc_mask = torch.ones(b, nc, tc, dtype=torch.long)
    mc_mask[0, 1, -1] = 0
    mc_ids[0, 1, -1] = 0
    mc_types = torch.zeros(b, nc, tc, dtype=torch.long)
    mc_types[..., 3:] = 1
    write("multiple_choice", BertForMultipleChoice, c, 17, (mc_ids, mc_types, mc_mask, torch.tensor([1, 2])))

    tok_labels = torch.randint(0, 5, (b, t), generator=g)
    tok_labels[:, 0] = -100
    tok_labels[1, -2:] = -100
    write("token_cls", BertForTokenClassification, Cfg(num_labels=5), 18, (ids, types, mask, tok_labels))

    # The second sequence's end lies beyond the input: clamped and ignored.
    write("qa", BertForQuestionAnswering, c, 19, (ids, types, mask, torch.tensor([1, 3]), torch.tensor([4, 99])))


if __name__ == "__main__":
    main()
