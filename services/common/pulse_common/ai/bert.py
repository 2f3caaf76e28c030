"""A BERT encoder forward pass in numpy, enough for sentence-transformers'
all-MiniLM-L6-v2 (6 layers, 384 hidden, 12 heads) read straight from its
safetensors file. No torch: the registry's torch is a multi-GB CUDA build,
while this needs only numpy (and the 87 MB of weights)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]


@dataclass(frozen=True)
class BertConfig:
    hidden: int
    heads: int
    layers: int
    eps: float

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> BertConfig:
        if raw.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"unsupported activation {raw.get('hidden_act')!r}")
        return cls(
            hidden=int(raw["hidden_size"]),
            heads=int(raw["num_attention_heads"]),
            layers=int(raw["num_hidden_layers"]),
            eps=float(raw["layer_norm_eps"]),
        )


def _erf(x: F32) -> F32:
    # Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7, below float32's own
    # rounding at these magnitudes): numpy has no erf and scipy is not a
    # dependency. BERT's "gelu" is the exact erf form, not the tanh one.
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    out: F32 = (sign * (1.0 - poly * np.exp(-a * a))).astype(np.float32)
    return out


def gelu(x: F32) -> F32:
    return (0.5 * x * (1.0 + _erf(x * np.float32(1 / math.sqrt(2))))).astype(np.float32)


def layer_norm(x: F32, weight: F32, bias: F32, eps: float) -> F32:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    out: F32 = ((x - mean) / np.sqrt(var + eps) * weight + bias).astype(np.float32)
    return out


class BertEncoder:
    """Holds the weights (linear layers pre-transposed so that every product
    is ``x @ W``) and runs the encoder on a padded batch."""

    def __init__(self, config: BertConfig, tensors: dict[str, npt.NDArray[Any]]) -> None:
        self.config = config
        self._t: dict[str, F32] = {}
        for key, value in tensors.items():
            if key.endswith("position_ids"):
                continue
            array = value.astype(np.float32)
            if key.endswith(".weight") and array.ndim == 2 and "embeddings" not in key:
                array = np.ascontiguousarray(array.T)
            self._t[key] = array

    def _linear(self, x: F32, name: str) -> F32:
        return (x @ self._t[f"{name}.weight"] + self._t[f"{name}.bias"]).astype(np.float32)

    def _norm(self, x: F32, name: str) -> F32:
        return layer_norm(x, self._t[f"{name}.weight"], self._t[f"{name}.bias"], self.config.eps)

    def forward(self, ids: npt.NDArray[np.int64], mask: npt.NDArray[np.int64]) -> F32:
        """Last hidden states, shape (batch, length, hidden)."""
        c = self.config
        batch, length = ids.shape
        head = c.hidden // c.heads
        x = (
            self._t["embeddings.word_embeddings.weight"][ids]
            + self._t["embeddings.position_embeddings.weight"][:length]
            + self._t["embeddings.token_type_embeddings.weight"][0]
        )
        x = self._norm(x.astype(np.float32), "embeddings.LayerNorm")
        # Padding gets a large negative score so that softmax ignores it.
        bias = ((1.0 - mask[:, None, None, :].astype(np.float32)) * np.float32(-1e9)).astype(
            np.float32
        )
        scale = np.float32(1 / math.sqrt(head))
        for i in range(c.layers):
            p = f"encoder.layer.{i}"

            def split(t: F32) -> F32:
                return t.reshape(batch, length, c.heads, head).transpose(0, 2, 1, 3)

            q = split(self._linear(x, f"{p}.attention.self.query"))
            k = split(self._linear(x, f"{p}.attention.self.key"))
            v = split(self._linear(x, f"{p}.attention.self.value"))
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            scores = scores - scores.max(-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(-1, keepdims=True)
            ctx = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, length, c.hidden)
            attn = self._linear(ctx.astype(np.float32), f"{p}.attention.output.dense")
            x = self._norm(attn + x, f"{p}.attention.output.LayerNorm")
            inter = gelu(self._linear(x, f"{p}.intermediate.dense"))
            out = self._linear(inter, f"{p}.output.dense")
            x = self._norm(out + x, f"{p}.output.LayerNorm")
        return x


def mean_pool_normalise(hidden: F32, mask: npt.NDArray[np.int64]) -> F32:
    """sentence-transformers' mean pooling over real tokens, then L2 norm."""
    m = mask[:, :, None].astype(np.float32)
    pooled = (hidden * m).sum(1) / np.clip(m.sum(1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    out: F32 = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
    return out
