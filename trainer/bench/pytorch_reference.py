"""PyTorch reference for `llmforge bench pretrain`: the same char-level tinyshakespeare experiment on CPU.

Same model (GPT-2 style, pre-LN, tied LM head, tanh-GELU, N(0, 0.02) init with scaled residual projections),
same data handling (sorted distinct characters, first 90% train, random windows), same optimisation (AdamW
betas 0.9/0.99, weight decay 0.1 on matrices, warmup 100 then cosine 1e-3 -> 1e-4, clip 1.0) and the same loss
estimates (20 random batches per split every 250 steps). Prints a line per evaluation and a JSON summary.

    /usr/bin/python3 trainer/bench/pytorch_reference.py --data ../shared/data/text/tinyshakespeare.txt --threads 2

`llmforge bench pretrain` runs it after its own run, with the same thread count, and prints both rows.
Works with Debian's python3-torch (1.13, no fused attention: the mask is composed as in our SameDiff model).
"""
import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def causal_attention(q, k, v):
    """softmax(q k^T / sqrt(d) + causal mask) v; the fused kernel where this torch has it (>= 2.0)."""
    if hasattr(F, "scaled_dot_product_attention"):
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)
    t = q.size(-2)
    att = (q @ k.transpose(-2, -1)) / math.sqrt(q.size(-1))
    att = att.masked_fill(torch.ones(t, t, dtype=torch.bool).triu(1), float("-inf"))
    return F.softmax(att, dim=-1) @ v


class Block(nn.Module):
    def __init__(self, c, heads, layers):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(c)
        self.qkv = nn.Linear(c, 3 * c)
        self.attn_proj = nn.Linear(c, c)
        self.ln2 = nn.LayerNorm(c)
        self.fc = nn.Linear(c, 4 * c)
        self.mlp_proj = nn.Linear(4 * c, c)
        for proj in (self.attn_proj, self.mlp_proj):
            proj.residual = True

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(c, dim=2)
        q, k, v = (z.view(b, t, self.heads, c // self.heads).transpose(1, 2) for z in (q, k, v))
        y = causal_attention(q, k, v)
        x = x + self.attn_proj(y.transpose(1, 2).reshape(b, t, c))
        return x + self.mlp_proj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))


class Gpt(nn.Module):
    def __init__(self, vocab, block, layers, heads, c):
        super().__init__()
        self.wte = nn.Embedding(vocab, c)
        self.wpe = nn.Embedding(block, c)
        self.blocks = nn.ModuleList(Block(c, heads, layers) for _ in range(layers))
        self.lnf = nn.LayerNorm(c)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                std = 0.02 / math.sqrt(2 * layers) if getattr(m, "residual", False) else 0.02
                nn.init.normal_(m.weight, 0.0, std)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Embedding):
                nn.init.normal_(m.weight, 0.0, 0.02)

    def forward(self, idx, targets):
        t = idx.shape[1]
        x = self.wte(idx) + self.wpe(torch.arange(t))
        for block in self.blocks:
            x = block(x)
        logits = self.lnf(x) @ self.wte.weight.t()
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--batch-size", type=int, default=12)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=1337)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    text = open(a.data, encoding="utf-8").read()
    chars = sorted(set(text))
    ids = {ch: i for i, ch in enumerate(chars)}
    data = torch.tensor([ids[ch] for ch in text], dtype=torch.long)
    n = int(0.9 * len(data))
    splits = {"train": data[:n], "val": data[n:]}
    block, steps, bs = 64, a.steps, a.batch_size

    def batch(split):
        d = splits[split]
        starts = torch.randint(len(d) - block - 1, (bs,))
        rows = torch.stack([d[s:s + block + 1] for s in starts])
        return rows[:, :-1], rows[:, 1:]

    model = Gpt(len(chars), block, 4, 4, 128)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=1e-3, betas=(0.9, 0.99), eps=1e-8)

    def lr_at(step, peak=1e-3, low=1e-4, warmup=100, decay_steps=2000):
        if step < warmup:
            return peak * (step + 1) / (warmup + 1)
        if step > decay_steps:
            return low
        return low + 0.5 * (1 + math.cos(math.pi * (step - warmup) / (decay_steps - warmup))) * (peak - low)

    @torch.no_grad()
    def estimate():
        model.eval()
        out = {s: sum(model(*batch(s)).item() for _ in range(20)) / 20 for s in ("train", "val")}
        model.train()
        return out

    params = sum(p.numel() for p in model.parameters())
    train_seconds, tokens, losses = 0.0, 0, {}
    for step in range(steps + 1):
        if step % 250 == 0 or step == steps:
            losses[step] = estimate()
            print(f"step {step}: train {losses[step]['train']:.4f} val {losses[step]['val']:.4f} "
                  f"{tokens / max(train_seconds, 1e-9):.0f} tok/s", flush=True)
        if step == steps:
            break
        t0 = time.perf_counter()
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        loss = model(*batch("train"))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        train_seconds += time.perf_counter() - t0
        tokens += bs * block
    print(json.dumps({"trainer": f"pytorch {torch.__version__}", "threads": a.threads, "parameters": params,
                      "steps": steps, "train_loss": losses[steps]["train"], "val_loss": losses[steps]["val"],
                      "tokens_per_s": tokens / train_seconds, "train_seconds": train_seconds}))


if __name__ == "__main__":
    main()
