"""all-MiniLM-L6-v2 through ONNX Runtime: exported once with torch, then encoded without it.

:func:`export_minilm` traces the packaged transformer (its weights SHA-256 checked,
:func:`~feedback_engine.encoders.minilm_path`) to ONNX with dynamic batch and sequence axes,
and also writes an int8 copy made by ONNX Runtime's dynamic quantization (MatMul weights int8
per output channel, activations quantized on the fly per batch; Jacob et al., 2018). Both
graphs and the tokenizer go into one model folder (:func:`~feedback_engine.artifacts.save_folder`),
by default ``<cache>/minilm-onnx-v1`` (:func:`minilm_onnx_folder`), built on first use and
rebuilt when it was exported from other weights, settings or folder version; a file altered
since is refused (ModelFileError), like any model folder.

:class:`OnnxMiniLM` tokenizes with ``tokenizers`` (truncated to ``max_seq_length``), runs
texts sorted by length so each batch pads little, mean-pools over the attention mask and
L2-normalises: the sentence-transformers recipe. In fp32 (the default) the vectors match
torch's to a cosine of 0.9999 on every Banking77 test text; int8 is about twice as fast but
falls to 0.98 there (0.96 on two-token texts), short of the 0.99 asked of a default
(``benchmarks/encoder_benchmark.py``). Dynamic quantization scales activations per batch, so
an int8 vector also varies slightly with the texts batched beside it; fp32 does not.

Example:
    >>> encoder = OnnxMiniLM(minilm_onnx_folder().path, threads=1)  # doctest: +SKIP
    >>> encoder.encode(["my card was declined"]).shape                # doctest: +SKIP
    (1, 384)
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import shutil
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from .artifacts import (
    FolderKind,
    ModelFolder,
    library_versions,
    load_folder,
    peek_manifest,
    save_folder,
)
from .encoders import MINILM_ID, MINILM_PACKAGE, MINILM_SHA256, cache_dir, minilm_path, offline
from .errors import error

ONNX_KIND = FolderKind("encoder.minilm-onnx.v1", "delete the folder to export it again")
ONNX_FOLDER = "minilm-onnx-v1"
PRECISIONS = {"int8": "model-int8.onnx", "fp32": "model.onnx"}
# fp32: int8 misses the bar of a cosine of at least 0.99 to torch on every Banking77 test text
# (its worst is about 0.98, the empty text among them): benchmarks/encoder_benchmark.py.
DEFAULT_PRECISION = "fp32"
TOKENIZER = "tokenizer.json"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OPSET = 17  # the legacy (TorchScript) exporter's well-trodden opset; ONNX Runtime runs it
DIMS = 384
# Dynamic quantization of the MatMul weights, int8 per output channel: on 405 Banking77 texts
# signed int8 came out as close to torch as unsigned (min cosine 0.980 vs 0.976) and four times
# as fast; per tensor, the min cosine fell to 0.904. The embedding tables stay fp32.
QUANTIZATION = {"method": "onnxruntime.quantization.quantize_dynamic", "weight_type": "QInt8",
                "per_channel": True, "reduce_range": False, "op_types": ["MatMul"]}
EXPORT_NEEDS = ("torch", "transformers", "onnx", "onnxruntime")


def _missing(modules: Sequence[str]) -> list[str]:
    return [m for m in modules if importlib.util.find_spec(m) is None]


@contextlib.contextmanager
def _quiet_export() -> Iterator[None]:
    """Hide the exporter's expected warnings (the legacy exporter's deprecation notice, tracer
    notes on shapes that are constant for BERT) for this block only."""
    with warnings.catch_warnings():
        for category in (DeprecationWarning, UserWarning, FutureWarning):
            warnings.simplefilter("ignore", category)
        from torch.jit import TracerWarning

        warnings.simplefilter("ignore", TracerWarning)
        yield


def _encoder_module(source: Path) -> Any:
    """The transformer as a torch module of (input_ids, attention_mask, token_type_ids) ->
    last_hidden_state, with the additive attention mask built in plain tensor ops so the trace
    keeps batch and sequence length dynamic (transformers' mask helpers branch in Python)."""
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(source), local_files_only=True,
                                      attn_implementation="eager")

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.bert.embeddings(input_ids=input_ids, token_type_ids=token_type_ids)
            blocked = 1.0 - attention_mask[:, None, None, :].to(hidden.dtype)
            bias = blocked * torch.finfo(hidden.dtype).min
            return self.bert.encoder(hidden, attention_mask=bias).last_hidden_state

    return Encoder().eval()


def _export_fp32(source: Path, target: Path, threads: int) -> None:
    import torch

    with offline(), _quiet_export(), torch.no_grad():
        before = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            module = _encoder_module(source)
            # Two rows of different lengths, so padding is traced; axes are dynamic anyway.
            ids = torch.tensor([[101, 2026, 4003, 2001, 102], [101, 7907, 102, 0, 0]])
            mask = (ids != 0).long()
            axes = {name: {0: "batch", 1: "sequence"} for name in (*INPUTS, "last_hidden_state")}
            torch.onnx.export(module, (ids, mask, torch.zeros_like(ids)), str(target),
                              input_names=list(INPUTS), output_names=["last_hidden_state"],
                              dynamic_axes=axes, opset_version=OPSET, do_constant_folding=True,
                              dynamo=False)
        finally:
            torch.set_num_threads(before)


class _DropLogRecords(logging.Filter):
    """Drops log records whose message starts with ``prefix``."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.prefix)


def _quantize(fp32: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Its advice to pre-process (shape inference, fusions) first: measured, no closer to torch.
    quiet = _DropLogRecords("Please consider")
    root = logging.getLogger()
    root.addFilter(quiet)
    try:
        quantize_dynamic(fp32, target, op_types_to_quantize=QUANTIZATION["op_types"],
                         per_channel=QUANTIZATION["per_channel"],
                         reduce_range=QUANTIZATION["reduce_range"],
                         weight_type=getattr(QuantType, QUANTIZATION["weight_type"]))
    finally:
        root.removeFilter(quiet)


def export_minilm(out_dir: str | Path, threads: int = 1) -> ModelFolder:
    """Export the packaged all-MiniLM-L6-v2 to ONNX (fp32 and int8) as a model folder.

    Deterministic: the same weights and library versions give the same files. About ten
    seconds on two cores. Needs torch, transformers, onnx and onnxruntime (the ``topics``
    extra) this once; encoding the result needs onnxruntime and tokenizers only.

    Args:
        out_dir: the folder to write (missing, empty or an older folder of this family).
        threads: torch threads for the trace.

    Returns:
        The written folder and its manifest.
    """
    if missing := _missing(EXPORT_NEEDS):
        raise error("FE529", path=out_dir, missing=", ".join(missing))
    source = minilm_path()
    with tempfile.TemporaryDirectory(prefix="minilm-onnx-") as work:
        fp32, int8 = Path(work) / PRECISIONS["fp32"], Path(work) / PRECISIONS["int8"]
        _export_fp32(source, fp32, threads)
        _quantize(fp32, int8)
        files = {name: _copier(Path(work) / name) for name in PRECISIONS.values()}
        files[TOKENIZER] = _copier(source / TOKENIZER)
        return save_folder(out_dir, ONNX_KIND, files, {
            "source": MINILM_ID, "package": f"{MINILM_PACKAGE}=={version(MINILM_PACKAGE)}",
            "source_sha256": MINILM_SHA256, "opset": OPSET, "inputs": list(INPUTS),
            "dims": DIMS, "precisions": PRECISIONS, "quantization": QUANTIZATION,
            "libraries": library_versions(("torch", "transformers", "onnx", "onnxruntime"))})


def _copier(source: Path) -> Any:
    return lambda path: shutil.copyfile(source, path)


def minilm_onnx_folder(folder: str | Path | None = None, threads: int = 1) -> ModelFolder:
    """The exported MiniLM folder, verified; by default ``<cache>/minilm-onnx-v1``, exported
    there on first use and exported again when it is stale (another folder version, other
    source weights, other export settings). A file changed since it was written is refused
    (ModelFileError naming it): delete the folder to export it again.

    Args:
        folder: another folder written by :func:`export_minilm`; it is verified, never rebuilt.
        threads: torch threads, should the export run.
    """
    cached = folder is None
    path = Path(folder) if folder is not None else cache_dir() / ONNX_FOLDER
    if cached and path.is_dir() and _stale(peek_manifest(path)):
        shutil.rmtree(path)  # written by an older version, from other weights, or half-deleted
    if cached and not (path / "manifest.json").is_file():
        export_minilm(path, threads=threads)
    return load_folder(path, ONNX_KIND, [*PRECISIONS.values(), TOKENIZER])


def _stale(manifest: dict[str, Any]) -> bool:
    return (manifest.get("model") != ONNX_KIND.name
            or manifest.get("source_sha256") != MINILM_SHA256
            or manifest.get("quantization") != QUANTIZATION or manifest.get("opset") != OPSET)


def has_cached_folder() -> bool:
    """Whether the default folder holds a current export (files not verified here)."""
    return not _stale(peek_manifest(cache_dir() / ONNX_FOLDER))


def session_options(threads: int) -> Any:
    """ONNX Runtime options for one encoder: ``threads`` intra-op threads, one inter-op thread
    (the graph is a chain), every graph optimisation, sequential execution."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only: no notes on unused initialisers
    return options


def runtime_label(precision: str) -> str:
    """How an :class:`OnnxMiniLM` runs, e.g. ``onnxruntime-1.31.1-int8``."""
    return f"onnxruntime-{version('onnxruntime')}-{precision}"


class OnnxMiniLM:
    """all-MiniLM-L6-v2 sentence embeddings from an exported folder (ONNX Runtime, CPU).

    Args:
        folder: a folder written by :func:`export_minilm`, already verified (load it with
            :func:`minilm_onnx_folder`).
        precision: ``int8`` (quantized weights) or ``fp32``.
        threads: ONNX Runtime intra-op threads.
        max_seq_length: tokens kept per text, ``[CLS]`` and ``[SEP]`` included.
    """

    def __init__(self, folder: str | Path, precision: str = "int8", threads: int = 1,
                 max_seq_length: int = 128) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.precision, self.threads, self.max_seq_length = precision, threads, max_seq_length
        self.options = session_options(threads)
        self.session = ort.InferenceSession(str(Path(folder) / PRECISIONS[precision]),
                                            sess_options=self.options,
                                            providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(Path(folder) / TOKENIZER))
        self.tokenizer.no_padding()  # the file pads to 128; we pad each batch to its longest
        self.tokenizer.enable_truncation(max_length=max_seq_length)

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Each text's token ids, ``[CLS] … [SEP]``, truncated to ``max_seq_length``."""
        # One at a time: encode_batch would start a thread per core in each analyze worker.
        return [self.tokenizer.encode(text).ids for text in texts]

    def encode(self, texts: Sequence[str], batch_size: int = 64,
               progress: bool = False) -> np.ndarray:
        """Return one L2-normalised float32 row (384-d) per text, in the order given."""
        ids = self.token_ids(texts)
        out = np.zeros((len(ids), DIMS), dtype=np.float32)
        order = np.argsort([-len(row) for row in ids], kind="stable")  # longest first
        starts = range(0, len(order), batch_size)
        if progress:
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc="MiniLM (ONNX)", unit="batch")
        for start in starts:
            rows = order[start:start + batch_size]
            out[rows] = self._pooled([ids[i] for i in rows])
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)

    def _pooled(self, batch: list[list[int]]) -> np.ndarray:
        """Mean of the token vectors over the attention mask, one row per text."""
        width = max(len(row) for row in batch)
        input_ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for i, row in enumerate(batch):
            input_ids[i, :len(row)] = row
            mask[i, :len(row)] = 1
        (hidden,) = self.session.run(None, {"input_ids": input_ids, "attention_mask": mask,
                                            "token_type_ids": np.zeros_like(input_ids)})
        weights = mask.astype(np.float32)[:, :, None]
        return (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
