"""Aspect polarity by fine-tuning a sentence encoder as a pair classifier (optional backend).

Each mention is encoded as the pair ``(term, sentence with the term marked)``: the
sentence reads ``... the [ service ] was slow ...`` so that a term occurring twice is not
ambiguous, and the term comes first so that every layer attends to it. The encoder is
all-mpnet-base-v2 (``encoder = "mpnet"``, the default) or all-MiniLM-L6-v2 (``"minilm"``), both
from PyPI packages (hash-checked, no hub download: :mod:`feedback_engine.encoders`); its
mean-pooled output feeds a linear layer over negative / neutral / positive, and the whole
network is trained with AdamW, a linear warm-up and decay, a seeded data order and
``torch.manual_seed`` (the caller's random state is restored after): the same data and
versions give the same weights on one machine.
With ``ensemble = n`` the network is fine-tuned n times, with seeds ``seed`` … ``seed + n - 1``
(each its own head initialisation, dropout and data order), and the model averages the n
networks' class probabilities.

The saved model folder (:mod:`feedback_engine.artifacts`) holds ``model.safetensors``
(encoder + head, loaded with ``safetensors``, never a pickle), the encoder's ``config.json``,
the tokenizer's files and ``manifest.json`` (base model, settings, data sha256, metrics,
library versions, every file's sha256). Needs torch and transformers; the mpnet encoder
needs the ``mpnet`` extra, MiniLM the ``rootcause`` or ``topics`` extra.

Reference: the auxiliary-sentence pair formulation is Sun et al., "Utilizing BERT for
Aspect-Based Sentiment Analysis via Constructing Auxiliary Sentence" (NAACL 2019).
"""

from __future__ import annotations

import functools
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..artifacts import FolderKind, library_versions, load_folder, peek_manifest, save_folder
from ..encoders import ENCODERS, encoder_path, offline
from ..errors import error
from .polarity import CLASSES, Instance, check_labels, data_hash

KIND = FolderKind("aspects.finetune.v1",
                  "retrain it with `feedback aspects train --backend finetune`")
WEIGHTS = "model.safetensors"
MARK = ("[", "]")
# Settings and the encoder chosen on a validation cut of the training part
# (benchmarks/aspects_tuning.py), never on the held-out part that docs/aspects.md reports:
# mpnet scored 0.781 there against 0.754 for the three averaged MiniLM networks.
# What changes with the encoder unless given. mpnet: the learning rate and epochs usual for
# base-size encoders (2e-5 to 5e-5, 2 to 4 epochs), fixed before any run on this data, and one
# network, since each costs about seven MiniLM networks' time. minilm: the settings chosen
# for it on validation (four epochs at 8e-5; three seeds averaged for steadiness).
ENCODER_DEFAULTS: dict[str, dict[str, Any]] = {
    "mpnet": {"learning_rate": 3e-5, "epochs": 3, "ensemble": 1},
    "minilm": {"learning_rate": 8e-5, "epochs": 4, "ensemble": 3}}
DEFAULTS: dict[str, Any] = {"batch_size": 16, "max_length": 96, "warmup": 0.1,
                            "weight_decay": 0.01, "seed": 13, "pooling": "mean+term",
                            "encoder": "mpnet", **ENCODER_DEFAULTS["mpnet"]}
# What the classifier reads: "mean", the mean of every token's output; "mean+term", that and
# the mean over the term's own tokens (the pair's first segment), side by side.
POOLINGS = ("mean", "mean+term")


def is_finetuned(folder: str | Path) -> bool:
    """True when ``folder`` holds a model written by :meth:`FinetunedPolarity.save`."""
    return peek_manifest(folder).get("model") == KIND.name


def _imports():
    try:
        import torch
        import transformers
    except ImportError as exc:
        raise error("FE547", name=exc.name) from None
    return torch, transformers


def settings_for(options: dict[str, Any]) -> dict[str, Any]:
    """The full fine-tuning settings for ``options``: :data:`DEFAULTS`, then the encoder's
    own defaults, then the options themselves. Unknown keys or encoders are refused."""
    unknown = set(options) - set(DEFAULTS)
    if unknown:
        raise error("FE490", option=sorted(unknown)[0], known=", ".join(DEFAULTS))
    encoder = options.get("encoder", DEFAULTS["encoder"])
    if encoder not in ENCODERS:
        raise error("FE491", encoders=", ".join(ENCODERS), encoder=encoder)
    return {**DEFAULTS, **ENCODER_DEFAULTS[encoder], **options}


def encode_pairs(tokenizer: Any, pairs: Sequence[tuple[str, str]],
                 max_length: int) -> dict[str, Any]:
    """Tokenise (term, sentence) pairs for the network: the encoder's inputs plus
    ``term_mask``, 1 from the start up to the end of the term's segment (BERT's
    ``[CLS] term [SEP]``, MPNet's ``<s> term </s></s>``)."""
    encoded = tokenizer([p[0] for p in pairs], [p[1] for p in pairs], padding=True,
                        truncation="only_second", max_length=max_length, return_tensors="pt")
    mask = encoded["attention_mask"].clone()
    for row in range(len(pairs)):
        ids = encoded.sequence_ids(row)
        second = ids.index(1) if 1 in ids else len(ids)
        mask[row, second:] = 0
    inputs = {"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"],
              "term_mask": mask}
    if "token_type_ids" in encoded:
        inputs["token_type_ids"] = encoded["token_type_ids"]
    return inputs


def pair(item: Instance) -> tuple[str, str]:
    """The (term, marked sentence) text pair the network reads for one mention."""
    s = item.sentence
    term = " ".join(s[item.start:item.end].split())
    return term, f"{s[:item.start]}{MARK[0]} {s[item.start:item.end]} {MARK[1]}{s[item.end:]}"


def _network(torch, encoder, pooling: str = "mean"):
    if pooling not in POOLINGS:
        raise error("FE492", poolings=", ".join(POOLINGS), pooling=pooling)
    term = pooling == "mean+term"

    def mean(hidden, mask):
        mask = mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)

    class PairClassifier(torch.nn.Module):
        """Encoder, mean pooling over real tokens (and over the term's), dropout, linear
        layer to the classes."""

        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder
            self.dropout = torch.nn.Dropout(0.1)
            width = encoder.config.hidden_size * (2 if term else 1)
            self.head = torch.nn.Linear(width, len(CLASSES))

        def forward(self, input_ids, attention_mask, term_mask, token_type_ids=None):
            extra = {} if token_type_ids is None else {"token_type_ids": token_type_ids}
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  **extra).last_hidden_state
            pooled = mean(hidden, attention_mask)
            if term:
                pooled = torch.cat([pooled, mean(hidden, term_mask)], dim=-1)
            return self.head(self.dropout(pooled))

    return PairClassifier()


def _train(torch, transformers, folder: Path, tokenizer, pairs: list[tuple[str, str]], y,
           settings: dict, seed: int, progress: Callable[[str], None] | None,
           max_steps: int | None):
    """Fine-tune one network from the base weights in ``folder`` with ``seed``; (network,
    steps taken)."""
    torch.manual_seed(seed)
    with offline():
        encoder = transformers.AutoModel.from_pretrained(str(folder), local_files_only=True)
    network = _network(torch, encoder, settings["pooling"])
    size, epochs = settings["batch_size"], settings["epochs"]
    per_epoch = -(-len(pairs) // size)
    total = per_epoch * epochs if max_steps is None else min(max_steps, per_epoch * epochs)
    no_decay = ("bias", "LayerNorm.weight")
    groups = [
        {"params": [p for n, p in network.named_parameters()
                    if not any(k in n for k in no_decay)],
         "weight_decay": settings["weight_decay"]},
        {"params": [p for n, p in network.named_parameters()
                    if any(k in n for k in no_decay)], "weight_decay": 0.0}]
    optimiser = torch.optim.AdamW(groups, lr=settings["learning_rate"])
    warm = max(1, int(settings["warmup"] * total))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))))
    order_rng = np.random.default_rng(seed)
    network.train()
    step = 0
    for epoch in range(epochs):
        started, losses = time.perf_counter(), []
        for batch in np.array_split(order_rng.permutation(len(pairs)), per_epoch):
            if step >= total:
                break
            encoded = encode_pairs(tokenizer, [pairs[i] for i in batch], settings["max_length"])
            loss = torch.nn.functional.cross_entropy(network(**encoded),
                                                     y[torch.as_tensor(batch)])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(network.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            losses.append(float(loss.detach()))
            step += 1
            if progress is not None and step % 50 == 0:
                progress(f"step {step}/{total}: loss {np.mean(losses[-50:]):.4f}, "
                         f"{time.perf_counter() - started:.0f} s into epoch {epoch + 1}")
        if progress is not None and losses:
            progress(f"epoch {epoch + 1}/{epochs}: loss {np.mean(losses):.4f}, "
                     f"{time.perf_counter() - started:.0f} s")
        if step >= total:
            break
    network.eval()
    return network, step


def _prefixed(progress: Callable[[str], None], prefix: str, line: str) -> None:
    progress(prefix + line)


class FinetunedPolarity:
    """MiniLM fine-tuned on (term, sentence) pairs; same ``predict`` / ``scores`` as
    :class:`~feedback_engine.aspects.model.PolarityModel`.

    With ``ensemble = n`` it holds n networks fine-tuned with seeds ``seed``, ``seed + 1``,
    ... and averages their class probabilities."""

    def __init__(self, networks: Sequence[Any], tokenizer: Any, settings: dict[str, Any],
                 manifest: dict[str, Any] | None = None) -> None:
        self.networks, self.tokenizer = list(networks), tokenizer
        self.settings = settings
        self.manifest = manifest or {}

    @classmethod
    def fit(cls, items: Sequence[Instance], labels: Sequence[str],
            progress: Callable[[str], None] | None = None, max_steps: int | None = None,
            **options: Any) -> FinetunedPolarity:
        """Fine-tune the base model on labelled mentions.

        Args:
            items, labels: mentions and their polarity (negative / neutral / positive).
            progress: called with a line after each epoch (loss, seconds).
            max_steps: stop after this many optimiser steps (tests).
            options: any of :data:`DEFAULTS` (epochs, batch_size, max_length, ...).
        """
        settings = settings_for(options)
        check_labels(labels)
        if not items:
            raise error("FE493", classes=", ".join(CLASSES))
        members = settings["ensemble"]
        if isinstance(members, bool) or not isinstance(members, int) or members < 1:
            raise error("FE494", members=members)
        torch, transformers = _imports()
        folder = encoder_path(settings["encoder"])
        with offline():
            tokenizer = transformers.AutoTokenizer.from_pretrained(str(folder),
                                                                   local_files_only=True)
        y = torch.tensor([CLASSES.index(label) for label in labels])
        pairs = [pair(i) for i in items]
        networks = []
        with torch.random.fork_rng(devices=[]):  # seeded here, the caller's state kept
            for member in range(members):
                say = progress
                if progress is not None and members > 1:
                    say = functools.partial(_prefixed, progress,
                                            f"member {member + 1}/{members}: ")
                network, steps = _train(torch, transformers, folder, tokenizer, pairs, y,
                                        settings, settings["seed"] + member, say, max_steps)
                networks.append(network)
        settings["steps"] = steps
        return cls(networks, tokenizer, settings)

    def member_probabilities(self, items: Sequence[Instance],
                             batch_size: int = 64) -> np.ndarray:
        """Each network's class probabilities: shape (members, items, classes)."""
        torch, _ = _imports()
        out = np.zeros((len(self.networks), len(items), len(CLASSES)), dtype=np.float32)
        pairs = [pair(i) for i in items]
        # Batches of similar length pad less; each row goes back to its place.
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        with torch.inference_mode():
            for first in range(0, len(order), batch_size):
                rows = order[first:first + batch_size]
                encoded = encode_pairs(self.tokenizer, [pairs[i] for i in rows],
                                       self.settings["max_length"])
                for k, network in enumerate(self.networks):
                    out[k, rows] = torch.softmax(network(**encoded), dim=-1).numpy()
        return out

    def probabilities(self, items: Sequence[Instance], batch_size: int = 64) -> np.ndarray:
        """Class probabilities (the members' mean), one row per item, columns in
        :data:`CLASSES` order."""
        return self.member_probabilities(items, batch_size).mean(axis=0)

    def predict(self, items: Sequence[Instance]) -> list[str]:
        """The most probable polarity of each item."""
        return [CLASSES[i] for i in self.probabilities(items).argmax(axis=1)]

    def scores(self, items: Sequence[Instance]) -> np.ndarray:
        """A −1…1 score per item: P(positive) − P(negative)."""
        probs = self.probabilities(items)
        return probs[:, 2] - probs[:, 0]

    def save(self, folder: str | Path, items: Sequence[Instance], labels: Sequence[str],
             metrics: dict[str, Any] | None = None, source: str = "") -> Path:
        """Write weights (safetensors), encoder config, tokenizer and manifest to ``folder``."""
        from safetensors.torch import save_file

        torch, _ = _imports()
        state = {k: v.detach().contiguous()  # keys "0.…", "1.…": one network per member
                 for k, v in torch.nn.ModuleList(self.networks).state_dict().items()}
        with tempfile.TemporaryDirectory() as work:
            self.tokenizer.save_pretrained(work)
            files: dict[str, Any] = {p.name: p.read_bytes() for p in Path(work).iterdir()
                                     if p.is_file()}
        files["config.json"] = self.networks[0].encoder.config.to_json_string().encode()
        files[WEIGHTS] = lambda path: save_file(state, str(path))
        encoder = ENCODERS[self.settings["encoder"]]
        self.manifest = save_folder(folder, KIND, files, {
            "base_model": encoder.description, "classes": list(CLASSES),
            "input": "term, marked sentence", "settings": self.settings,
            "training_data": {"source": source, "n": len(items),
                              "sha256": data_hash(items, labels)},
            "metrics": metrics or {},
            "library_versions": library_versions(("feedback-engine", "torch", "transformers",
                                                  "safetensors", *encoder.packages))}).manifest
        return Path(folder)

    @classmethod
    def load(cls, folder: str | Path) -> FinetunedPolarity:
        """Load a folder from :meth:`save`; transformers reads any file in the folder, so
        :func:`~feedback_engine.artifacts.load_folder` checks every one's hash first."""
        saved = load_folder(folder, KIND, required=[WEIGHTS, "config.json"])
        source, settings = saved.path, saved.manifest.get("settings")
        if not (isinstance(settings, dict) and set(settings) >= set(DEFAULTS)
                and settings["pooling"] in POOLINGS
                and type(settings["ensemble"]) is int and settings["ensemble"] >= 1):
            raise error("FE548", source=source, poolings=POOLINGS, remake=KIND.remake)
        torch, transformers = _imports()
        from safetensors.torch import load_file

        with offline():
            config = transformers.AutoConfig.from_pretrained(str(source), local_files_only=True)
            tokenizer = transformers.AutoTokenizer.from_pretrained(str(source),
                                                                   local_files_only=True)
        networks = [_network(torch, transformers.AutoModel.from_config(config),
                             settings["pooling"]) for _ in range(settings["ensemble"])]
        try:
            torch.nn.ModuleList(networks).load_state_dict(load_file(str(source / WEIGHTS)))
        except RuntimeError as exc:
            raise error("FE549", source=source, detail=str(exc)[:200], remake=KIND.remake) from None
        for network in networks:
            network.eval()
        return cls(networks, tokenizer, settings, saved.manifest)
