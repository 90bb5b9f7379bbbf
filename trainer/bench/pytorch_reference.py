"""PyTorch reference for llmforge: the same GPT as the Java engine, for benchmarks and loss-parity checks.

The model is GPT-2 style: token + learned position embeddings, pre-LayerNorm blocks (eps 1e-5) with a fused
[q | k | v] projection `c_attn`, causal softmax attention, a tanh-GELU MLP, biases everywhere, no dropout, a final
`ln_f` and an LM head tied to `wte`. Parameters carry Hugging Face GPT-2's names (without `transformer.`) and its
Conv1D layout, weights [in, out] and y = x @ W + b, so a safetensors file written by the Java engine loads as is.
Without weights the model starts as the Java one does: N(0, 0.02), residual projections N(0, 0.02/sqrt(2 layers)).

Subcommands; each prints progress lines and, as its last stdout line, one JSON object:

  train     nanoGPT-style pretraining on int32 token-id files (random windows, AdamW, warmup + cosine LR, clipping,
            loss estimates every --eval-interval steps; --save-weights writes the result as safetensors);
            `llmforge bench pretrain` runs it after its own run with the same data and thread count, and compares
            tokens/s and losses.
  loss      cross-entropy and per-token log-probabilities of given weights (.safetensors) on a given batch (int32
            rows of block+1 ids); the Java loss-parity test runs it in float64 and compares with the engine's numbers.
  generate  greedy decoding tokens/s with a KV cache and with nanoGPT's recompute-the-window loop, checking that
            both give the same tokens.

    /usr/bin/python3 trainer/bench/pytorch_reference.py train --train-ids /tmp/train.i32 --val-ids /tmp/val.i32 \\
        --vocab 65 --block 64 --layers 4 --heads 4 --embd 128 --steps 2000 --threads 2

Files are read by hand, with numpy only: token ids are raw little-endian int32 without a header; safetensors is an
8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}} and the raw tensor bytes
(F32 and F64 supported).

Written for Debian's python3-torch (1.13): no F.scaled_dot_product_attention, so attention is composed from
matmul, mask and softmax as in our SameDiff model (the fused kernel is used where a newer torch has it). Debian's
torch does its matrix products in the system libblas.so.3 (BLAS_INFO=generic): with only libblas3, the Netlib
reference, installed they run at a few GFLOP/s a core, far below OpenBLAS (libopenblas0-*, which replaces it through
update-alternatives); the JSON reports OMP_NUM_THREADS and OPENBLAS_NUM_THREADS next to --threads
(torch.set_num_threads) so that a row says which setting it ran with.
"""
import argparse
import json
import math
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DTYPES = {"float32": torch.float32, "float64": torch.float64}
SAFETENSORS_DTYPES = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8")}


# ---------------------------------------------------------------------------------------------------- model

class Conv1D(nn.Module):
    """Hugging Face GPT-2's Conv1D: y = x @ weight + bias, weight stored [in, out]."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_in, n_out))
        self.bias = nn.Parameter(torch.zeros(n_out))

    def forward(self, x):
        return torch.addmm(self.bias, x.reshape(-1, x.size(-1)), self.weight).view(*x.shape[:-1], -1)


def causal_attention(q, k, v):
    """softmax(q k^T / sqrt(D) + causal mask) v for q [B, H, tq, D] and k, v [B, H, tk, D], tk >= tq: the queries
    are the last tq positions (tq < tk when earlier keys come from a KV cache)."""
    tq, tk = q.size(-2), k.size(-2)
    if hasattr(F, "scaled_dot_product_attention") and tq in (1, tk):  # torch >= 2.0
        return F.scaled_dot_product_attention(q, k, v, is_causal=tq > 1)
    att = (q @ k.transpose(-2, -1)) / math.sqrt(q.size(-1))
    if tq > 1:
        att = att.masked_fill(torch.ones(tq, tk, dtype=torch.bool).triu(tk - tq + 1), float("-inf"))
    return F.softmax(att, dim=-1) @ v


class Block(nn.Module):
    def __init__(self, c, heads):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(c, eps=1e-5)
        self.attn = nn.ModuleDict({"c_attn": Conv1D(c, 3 * c), "c_proj": Conv1D(c, c)})
        self.ln_2 = nn.LayerNorm(c, eps=1e-5)
        self.mlp = nn.ModuleDict({"c_fc": Conv1D(c, 4 * c), "c_proj": Conv1D(4 * c, c)})

    def forward(self, x, kv=None):
        """kv: None, or this layer's cache as a list [k, v] ([] at first) that this call extends in place."""
        b, t, c = x.shape
        q, k, v = self.attn.c_attn(self.ln_1(x)).split(c, dim=2)
        q, k, v = (z.view(b, t, self.heads, c // self.heads).transpose(1, 2) for z in (q, k, v))
        if kv is not None:
            if kv:
                k, v = torch.cat([kv[0], k], dim=2), torch.cat([kv[1], v], dim=2)
            kv[:] = [k, v]
        y = causal_attention(q, k, v).transpose(1, 2).reshape(b, t, c)
        x = x + self.attn.c_proj(y)
        return x + self.mlp.c_proj(F.gelu(self.mlp.c_fc(self.ln_2(x)), approximate="tanh"))


class Gpt(nn.Module):
    def __init__(self, vocab, block, layers, heads, embd):
        super().__init__()
        if embd % heads:
            raise SystemExit(f"--embd {embd} is not a multiple of --heads {heads}")
        self.block = block
        self.wte = nn.Embedding(vocab, embd)
        self.wpe = nn.Embedding(block, embd)
        self.h = nn.ModuleList(Block(embd, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(embd, eps=1e-5)
        for name, p in self.named_parameters():  # biases are already 0, LayerNorm weights 1
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * layers))
            elif p.dim() >= 2:
                nn.init.normal_(p, 0.0, 0.02)

    def forward(self, idx, cache=None, last_only=False):
        """Logits [B, t, V] for ids [B, t] ([B, 1, V] with last_only). cache: None, or one [k, v] list per layer
        (empty lists at first) holding the keys and values of the positions before idx; extended in place."""
        start = cache[0][0].size(2) if cache and cache[0] else 0
        if start + idx.size(1) > self.block:
            raise ValueError(f"{start + idx.size(1)} positions exceed the block size {self.block}")
        x = self.wte(idx) + self.wpe(torch.arange(start, start + idx.size(1)))
        for layer, block in enumerate(self.h):
            x = block(x, None if cache is None else cache[layer])
        if last_only:
            x = x[:, -1:]
        return self.ln_f(x) @ self.wte.weight.t()

    def loss(self, idx, targets):
        logits = self(idx)
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))


def build_model(a, dtype=torch.float32):
    """The model of the --vocab/--block/--layers/--heads/--embd flags: --weights when given, else seeded init."""
    torch.manual_seed(a.seed)
    model = Gpt(a.vocab, a.block, a.layers, a.heads, a.embd).to(dtype)
    if getattr(a, "weights", None):
        load_weights(model, a.weights)
    return model


# ---------------------------------------------------------------------------------------------------- files

def read_ids(path, vocab):
    ids = np.fromfile(path, dtype="<i4")
    if ids.size and (ids.min() < 0 or ids.max() >= vocab):
        raise SystemExit(f"{path}: token ids span [{ids.min()}, {ids.max()}], outside the vocabulary [0, {vocab})")
    return torch.from_numpy(ids.astype(np.int64))


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    header.pop("__metadata__", None)
    tensors = {}
    for name, info in header.items():
        dtype = SAFETENSORS_DTYPES.get(info["dtype"])
        if dtype is None:
            raise SystemExit(f"{path}: tensor {name} has dtype {info['dtype']}; only F32 and F64 are supported")
        shape, (begin, end) = info["shape"], info["data_offsets"]
        count = math.prod(shape)
        if end - begin != count * dtype.itemsize or 8 + n + end > len(data):
            raise SystemExit(f"{path}: tensor {name} of shape {shape} has data_offsets [{begin}, {end}], "
                             f"not {count} x {dtype.itemsize} bytes inside the file")
        array = np.frombuffer(data, dtype=dtype, count=count, offset=8 + n + begin).reshape(shape)
        tensors[name] = torch.from_numpy(array.copy())
    return tensors


def write_safetensors(path, tensors, metadata=None):
    """The inverse of read_safetensors (F32/F64 only), for `train --save-weights` and for making test fixtures."""
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        array = t.detach().cpu().contiguous().numpy()
        code = {np.dtype("float32"): "F32", np.dtype("float64"): "F64"}[array.dtype]
        raw = array.astype(array.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": code, "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * (-len(head) % 8)  # the format pads the header to a multiple of 8 bytes
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head + b"".join(chunks))


def load_weights(model, path):
    """Copies every tensor of a safetensors file into the model (converting to its dtype), after checking that the
    names and shapes are exactly the model's; a leading `transformer.` (as in Hugging Face files) is ignored."""
    tensors = {k[len("transformer."):] if k.startswith("transformer.") else k: v
               for k, v in read_safetensors(path).items()}
    params = dict(model.named_parameters())
    missing = [k for k in params if k not in tensors]
    unexpected = [k for k in tensors if k not in params]
    if missing or unexpected:
        problems = [f"{what} tensors {', '.join(names)}" for what, names in
                    (("missing", missing), ("unexpected", unexpected)) if names]
        raise SystemExit(f"{path} does not fit the model of these flags: {'; '.join(problems)}")
    for name, p in params.items():
        if tuple(tensors[name].shape) != tuple(p.shape):
            raise SystemExit(f"{path}: tensor {name} has shape {list(tensors[name].shape)}, "
                             f"the model of these flags expects {list(p.shape)}")
    with torch.no_grad():
        for name, p in params.items():
            p.copy_(tensors[name])
    print(f"loaded {len(tensors)} tensors from {path}", flush=True)


def env_threads():
    return {"omp_threads": os.environ.get("OMP_NUM_THREADS"),
            "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS")}


# ---------------------------------------------------------------------------------------------------- train

def lr_at(step, a):
    if step < a.warmup:
        return a.lr * (step + 1) / (a.warmup + 1)
    if step > a.decay_steps:
        return a.min_lr
    ratio = (step - a.warmup) / max(a.decay_steps - a.warmup, 1)
    return a.min_lr + 0.5 * (1 + math.cos(math.pi * ratio)) * (a.lr - a.min_lr)


def train(a):
    model = build_model(a)
    splits = {"train": read_ids(a.train_ids, a.vocab), "val": read_ids(a.val_ids, a.vocab)}
    t, bs = a.block, a.batch_size
    for split, ids in splits.items():
        if len(ids) < t + 2:
            raise SystemExit(f"the {split} ids ({len(ids)}) are fewer than block + 2 = {t + 2}")
    window = torch.arange(t + 1)

    def batch(split):  # nanoGPT's get_batch: bs random windows of t + 1 ids
        ids = splits[split]
        rows = ids[torch.randint(len(ids) - t, (bs,))[:, None] + window]
        return rows[:, :-1], rows[:, 1:]

    @torch.no_grad()
    def estimate():
        return {s: sum(model.loss(*batch(s)).item() for _ in range(a.eval_iters)) / a.eval_iters
                for s in ("train", "val")}

    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=a.lr, betas=(a.beta1, a.beta2), eps=1e-8)
    params = sum(p.numel() for p in model.parameters())
    print(f"pytorch {torch.__version__}: {params} parameters, {len(splits['train'])} train / "
          f"{len(splits['val'])} val ids, {a.threads} threads", flush=True)
    train_seconds, losses = 0.0, {}
    for step in range(a.steps + 1):
        if step % a.eval_interval == 0 or step == a.steps:
            losses[step] = estimate()
            rate = step * bs * t / train_seconds if step else 0.0
            print(f"step {step}: train {losses[step]['train']:.4f} val {losses[step]['val']:.4f} "
                  f"lr {lr_at(step, a):.2e} {rate:.0f} tok/s", flush=True)
        if step == a.steps:
            break
        x, y = batch("train")
        for group in opt.param_groups:
            group["lr"] = lr_at(step, a)
        t0 = time.perf_counter()
        loss = model.loss(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), a.grad_clip)
        opt.step()
        train_seconds += time.perf_counter() - t0
    if a.save_weights:
        write_safetensors(a.save_weights, model.state_dict(),
                          {k: getattr(a, k) for k in ("vocab", "block", "layers", "heads", "embd", "steps")})
        print(f"wrote {a.save_weights}", flush=True)
    return {"trainer": f"pytorch {torch.__version__}", "threads": a.threads, **env_threads(),
            "parameters": params, "steps": a.steps, "train_loss": losses[a.steps]["train"],
            "val_loss": losses[a.steps]["val"], "tokens_per_s": a.steps * bs * t / max(train_seconds, 1e-9),
            "train_seconds": train_seconds, "losses": losses}


# ---------------------------------------------------------------------------------------------------- loss

def loss(a):
    model = build_model(a, DTYPES[a.dtype])
    ids = read_ids(a.batch, a.vocab)
    if len(ids) == 0 or len(ids) % (a.block + 1):
        raise SystemExit(f"{a.batch}: {len(ids)} ids are not whole rows of block + 1 = {a.block + 1}")
    rows = ids.view(-1, a.block + 1)
    inputs, targets = rows[:, :-1], rows[:, 1:]
    print(f"{len(rows)} rows of {a.block} positions, {a.dtype}", flush=True)
    with torch.no_grad():
        logits = model(inputs)
        logprobs = F.log_softmax(logits, dim=-1).gather(-1, targets[..., None]).squeeze(-1)
        mean = F.cross_entropy(logits.reshape(-1, a.vocab), targets.reshape(-1))
        result = {"loss": mean.item(), "token_logprobs": logprobs.tolist()}
        if a.mask:  # SFT: the loss over masked-in targets only, as TRL's collator does with ignore_index -100
            mask = read_ids(a.mask, 2).view(len(rows), a.block)
            ignored = targets.masked_fill(mask == 0, -100)
            result["masked_loss"] = F.cross_entropy(logits.reshape(-1, a.vocab), ignored.reshape(-1),
                                                    ignore_index=-100).item()
    return result


# ---------------------------------------------------------------------------------------------------- generate

def generate_cached(model, prompt, new_tokens):
    """Greedy decoding with per-layer KV caches: one forward over the prompt, then one position per token. When
    the context outgrows the block, the cache is rebuilt over the last block ids (the window recompute sees), so
    the tokens stay those of generate_recompute. Returns the new ids [B, new_tokens]."""
    block, out = model.block, prompt[:, -model.block:]
    cache = [[] for _ in model.h]
    logits = model(out, cache, last_only=True)
    for i in range(new_tokens):
        nxt = logits[:, -1].argmax(dim=-1, keepdim=True)
        out = torch.cat([out, nxt], dim=1)
        if i == new_tokens - 1:
            break
        if cache[0][0].size(2) < block:
            logits = model(nxt, cache)
        else:
            cache = [[] for _ in model.h]
            logits = model(out[:, -block:], cache, last_only=True)
    return out[:, -new_tokens:]


def generate_recompute(model, prompt, new_tokens):
    """nanoGPT's generate, greedy: a forward over the whole context (cropped to the block) for every token."""
    out = prompt
    for _ in range(new_tokens):
        logits = model(out[:, -model.block:], last_only=True)
        out = torch.cat([out, logits[:, -1].argmax(dim=-1, keepdim=True)], dim=1)
    return out[:, -new_tokens:]


def generate(a):
    model = build_model(a, DTYPES[a.dtype]).eval()
    n, p = a.batch_size * a.prompt_len, a.prompt_len
    ids = read_ids(a.ids, a.vocab)[:n] if a.ids else torch.arange(n) % a.vocab
    if len(ids) < n:
        raise SystemExit(f"{a.ids} holds {len(ids)} ids, fewer than batch size x prompt length = {n}")
    prompt = ids.view(a.batch_size, p)  # row r: ids [r p, (r + 1) p)
    if p > a.block:
        print(f"note: the prompt of {p} ids is cropped to the last {a.block} (the block)", flush=True)
    rebuilds = max(0, a.new_tokens - 1 - (a.block - min(p, a.block)))  # tokens decoded by a full-window forward
    if rebuilds:
        print(f"note: the context outgrows the block {a.block}: the KV cache is rebuilt for the last {rebuilds} "
              f"of {a.new_tokens} tokens", flush=True)
    loops = {"kv_cache": generate_cached, "recompute": generate_recompute}
    best, tokens = {}, {}
    with torch.inference_mode():
        for repeat in range(a.repeats):
            for name, loop in loops.items():
                t0 = time.perf_counter()
                tokens[name] = loop(model, prompt, a.new_tokens)
                seconds = time.perf_counter() - t0
                best[name] = min(best.get(name, math.inf), seconds)
                print(f"repeat {repeat + 1} {name}: {a.new_tokens * a.batch_size / seconds:.1f} tok/s", flush=True)
    same = torch.equal(tokens["kv_cache"], tokens["recompute"])
    if not same:
        print("warning: the KV-cache and recompute loops generated different tokens", flush=True)
    rate = {k: a.new_tokens * a.batch_size / s for k, s in best.items()}
    return {"trainer": f"pytorch {torch.__version__}", "threads": a.threads, **env_threads(),
            "new_tokens": a.new_tokens, "batch_size": a.batch_size, "prompt_len": p,
            "kv_cache_tokens_per_s": rate["kv_cache"], "recompute_tokens_per_s": rate["recompute"],
            "cache_rebuilds": rebuilds, "same_tokens": same, "tokens": tokens["kv_cache"][0].tolist()}


# ---------------------------------------------------------------------------------------------------- CLI

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name, run, summary, dtype):
        c = commands.add_parser(name, help=summary)
        c.set_defaults(run=run)
        for flag in ("--vocab", "--block", "--layers", "--heads", "--embd"):
            c.add_argument(flag, type=int, required=True)
        c.add_argument("--threads", type=int, default=1)
        c.add_argument("--seed", type=int, default=1337)
        if dtype:
            c.add_argument("--dtype", choices=DTYPES, default=dtype)
        return c

    c = command("train", train, "pretrain on int32 id files and report tokens/s and losses", None)
    c.add_argument("--train-ids", required=True)
    c.add_argument("--val-ids", required=True)
    c.add_argument("--batch-size", type=int, default=12)
    c.add_argument("--steps", type=int, default=2000)
    for flag, default in (("--lr", 1e-3), ("--min-lr", 1e-4), ("--beta1", 0.9), ("--beta2", 0.99),
                          ("--weight-decay", 0.1), ("--grad-clip", 1.0)):
        c.add_argument(flag, type=float, default=default)
    for flag, default in (("--warmup", 100), ("--decay-steps", 2000), ("--eval-interval", 250),
                          ("--eval-iters", 20)):
        c.add_argument(flag, type=int, default=default)
    c.add_argument("--save-weights", metavar="FILE", help="write the trained weights as safetensors")

    c = command("loss", loss, "loss and per-token log-probs of safetensors weights on a batch", "float64")
    c.add_argument("--weights", required=True)
    c.add_argument("--batch", required=True, help="int32 rows of block + 1 ids")
    c.add_argument("--mask", help="int32 0/1 per target position (rows x block): also report the masked mean loss")

    c = command("generate", generate, "greedy decoding tokens/s with and without a KV cache", "float32")
    c.add_argument("--weights")
    c.add_argument("--ids", help="int32 ids whose first batch-size x prompt-len are the prompts")
    c.add_argument("--prompt-len", type=int, default=1)
    c.add_argument("--new-tokens", type=int, default=256)
    c.add_argument("--batch-size", type=int, default=1)
    c.add_argument("--repeats", type=int, default=3)

    a = parser.parse_args()
    torch.set_num_threads(a.threads)
    print(json.dumps(a.run(a)), flush=True)


if __name__ == "__main__":
    main()
