"""GPT-2 as Hugging Face's GPT2LMHeadModel computes it, built from an exported folder alone, for HfExportTest.

    /usr/bin/python3 hf_gpt2_logits.py FOLDER '[[id, id, ...], ...]'

Reads FOLDER/config.json and FOLDER/model.safetensors (by hand: an 8-byte little-endian header length, a JSON
header {name: {dtype, shape, data_offsets}}, raw little-endian tensors; no safetensors package), checks that the file
holds exactly the tensors GPT2LMHeadModel needs for that config, with GPT-2's shapes (Conv1D weights [in, out]),
runs the token ids through the model in float64 and prints, as its last stdout line, {"logits": [B][T][V]}.
Nothing here comes from llmforge: the names, layouts and arithmetic are transformers' GPT-2 (modeling_gpt2.py), so
agreement with the Java engine means transformers would load the folder and compute the same function.
Written for Debian's python3-torch 1.13 and numpy.
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2"}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    start = 8 + n
    tensors = {}
    for name, t in header.items():
        begin, end = t["data_offsets"]
        values = np.frombuffer(data[start + begin:start + end], dtype=np.dtype(DTYPES[t["dtype"]]))
        tensors[name] = torch.from_numpy(values.astype(np.float64).reshape(t["shape"]))
    return tensors, metadata


def expected_shapes(cfg):
    """GPT2LMHeadModel's state dict (weights only; the causal-mask buffers are not parameters)."""
    c, v, p = cfg["n_embd"], cfg["vocab_size"], cfg["n_positions"]
    inner = cfg.get("n_inner") or 4 * c
    shapes = {"transformer.wte.weight": [v, c], "transformer.wpe.weight": [p, c]}
    for i in range(cfg["n_layer"]):
        h = f"transformer.h.{i}."
        shapes.update({
            h + "ln_1.weight": [c], h + "ln_1.bias": [c],
            h + "attn.c_attn.weight": [c, 3 * c], h + "attn.c_attn.bias": [3 * c],
            h + "attn.c_proj.weight": [c, c], h + "attn.c_proj.bias": [c],
            h + "ln_2.weight": [c], h + "ln_2.bias": [c],
            h + "mlp.c_fc.weight": [c, inner], h + "mlp.c_fc.bias": [inner],
            h + "mlp.c_proj.weight": [inner, c], h + "mlp.c_proj.bias": [c],
        })
    shapes.update({"transformer.ln_f.weight": [c], "transformer.ln_f.bias": [c]})
    if not cfg.get("tie_word_embeddings", True):
        shapes["lm_head.weight"] = [v, c]
    return shapes


def gelu_new(x):
    """transformers' NewGELUActivation: GPT-2's tanh approximation."""
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


ACTIVATIONS = {"gelu_new": gelu_new}


def conv1d(x, w, b):
    """transformers' Conv1D: weight [in, out], y = x @ w + b."""
    return torch.addmm(b, x.reshape(-1, x.size(-1)), w).view(*x.shape[:-1], w.size(1))


def logits(cfg, w, ids):
    b, t = ids.shape
    c, heads = cfg["n_embd"], cfg["n_head"]
    d = c // heads
    eps = cfg["layer_norm_epsilon"]
    act = ACTIVATIONS[cfg["activation_function"]]
    if t > cfg["n_positions"]:
        raise SystemExit(f"{t} positions exceed n_positions {cfg['n_positions']}")
    x = w["transformer.wte.weight"][ids] + w["transformer.wpe.weight"][torch.arange(t)]
    causal = torch.tril(torch.ones(t, t, dtype=torch.bool))
    for i in range(cfg["n_layer"]):
        h = f"transformer.h.{i}."
        a = F.layer_norm(x, (c,), w[h + "ln_1.weight"], w[h + "ln_1.bias"], eps)
        q, k, v = conv1d(a, w[h + "attn.c_attn.weight"], w[h + "attn.c_attn.bias"]).split(c, dim=2)
        q, k, v = (z.view(b, t, heads, d).transpose(1, 2) for z in (q, k, v))
        att = q @ k.transpose(-1, -2)
        if cfg.get("scale_attn_weights", True):
            att = att / math.sqrt(d)
        if cfg.get("scale_attn_by_inverse_layer_idx", False):
            att = att / float(i + 1)
        att = torch.where(causal, att, torch.tensor(torch.finfo(att.dtype).min, dtype=att.dtype))
        y = (F.softmax(att, dim=-1) @ v).transpose(1, 2).reshape(b, t, c)
        x = x + conv1d(y, w[h + "attn.c_proj.weight"], w[h + "attn.c_proj.bias"])
        m = F.layer_norm(x, (c,), w[h + "ln_2.weight"], w[h + "ln_2.bias"], eps)
        m = act(conv1d(m, w[h + "mlp.c_fc.weight"], w[h + "mlp.c_fc.bias"]))
        x = x + conv1d(m, w[h + "mlp.c_proj.weight"], w[h + "mlp.c_proj.bias"])
    x = F.layer_norm(x, (c,), w["transformer.ln_f.weight"], w["transformer.ln_f.bias"], eps)
    head = w["transformer.wte.weight"] if cfg.get("tie_word_embeddings", True) else w["lm_head.weight"]
    return x @ head.transpose(0, 1)


def main():
    folder, ids = sys.argv[1], torch.tensor(json.loads(sys.argv[2]), dtype=torch.long)
    torch.set_num_threads(1)
    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    if cfg.get("model_type") != "gpt2" or cfg.get("architectures") != ["GPT2LMHeadModel"]:
        raise SystemExit(f"not a GPT2LMHeadModel config: {cfg}")
    if cfg.get("reorder_and_upcast_attn", False):
        raise SystemExit("reorder_and_upcast_attn is not implemented here")
    tensors, metadata = read_safetensors(os.path.join(folder, "model.safetensors"))
    if metadata.get("format") != "pt":
        raise SystemExit(f"metadata {metadata}: transformers loads safetensors whose format is 'pt'")
    expected = expected_shapes(cfg)
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    wrong = sorted(n for n in expected if n in tensors and list(tensors[n].shape) != expected[n])
    if missing or unexpected or wrong:
        raise SystemExit(f"not GPT-2's state dict: missing {missing}, unexpected {unexpected}, wrong shapes "
                         + str({n: (list(tensors[n].shape), expected[n]) for n in wrong}))
    with torch.no_grad():
        out = logits(cfg, tensors, ids)
    print(json.dumps({"logits": out.tolist()}))


if __name__ == "__main__":
    main()
