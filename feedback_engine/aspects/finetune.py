"""Aspect polarity by fine-tuning a sentence encoder as a pair classifier (optional backend).

Each mention is encoded as the pair ``(term, sentence with the term marked)``: the
sentence reads ``... the [ service ] was slow ...`` so that a term occurring twice is not
ambiguous, and the term comes first so that every layer attends to it. The encoder is
all-mpnet-base-v2 (``encoder = "mpnet"``, the default) or all-MiniLM-L6-v2 (``"minilm"``), both
from PyPI packages (no hub download, see :mod:`.encoders`); its
mean-pooled output feeds a linear layer over negative / neutral / positive, and the whole
network is trained with AdamW, a linear warm-up and decay, a seeded data order and
``torch.manual_seed``: the same data and versions give the same weights on one machine.
With ``ensemble = n`` the network is fine-tuned n times, with seeds ``seed`` … ``seed + n - 1``
(each its own head initialisation, dropout and data order), and the model averages the n
networks' class probabilities.

The saved folder holds ``model.safetensors`` (encoder + head, loaded with
``safetensors``, never a pickle), the encoder's ``config.json``, the tokenizer's JSON files
and ``manifest.json`` (format, base model, data sha256, weights sha256, metrics,
library versions). Needs torch and transformers; the mpnet encoder needs the ``mpnet`` extra,
MiniLM the ``rootcause`` or ``topics`` extra.

Reference: the auxiliary-sentence pair formulation is Sun et al., "Utilizing BERT for
Aspect-Based Sentiment Analysis via Constructing Auxiliary Sentence" (NAACL 2019).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..artifacts import library_versions, read_manifest, sha256_file, verify_files, write_manifest
from ..errors import ConfigError, MissingDependencyError, ModelFileError
from .encoders import ENCODERS, encoder_path
from .model import CLASSES, Instance, data_hash

FORMAT = "feedback-engine aspect polarity finetune v1"
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
    try:
        manifest = json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("format") == FORMAT


def _imports():
    try:
        import torch
        import transformers
    except ImportError as exc:
        raise MissingDependencyError(
            f"the fine-tuned aspect backend needs torch and transformers ({exc.name} is "
            "missing): pip install 'feedback-engine[rootcause]'") from None
    transformers.utils.logging.disable_progress_bar()
    return torch, transformers


def settings_for(options: dict[str, Any]) -> dict[str, Any]:
    """The full fine-tuning settings for ``options``: :data:`DEFAULTS`, then the encoder's
    own defaults, then the options themselves. Unknown keys or encoders are refused."""
    unknown = set(options) - set(DEFAULTS)
    if unknown:
        raise ConfigError(f"unknown fine-tuning option {sorted(unknown)[0]!r}; "
                          f"known: {', '.join(DEFAULTS)}")
    encoder = options.get("encoder", DEFAULTS["encoder"])
    if encoder not in ENCODERS:
        raise ConfigError(f"fine-tuning encoder must be one of {', '.join(ENCODERS)}, "
                          f"got {encoder!r}")
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
        raise ConfigError(f"fine-tuning pooling must be one of {', '.join(POOLINGS)}, "
                          f"got {pooling!r}")
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


def _train(torch, transformers, tokenizer, pairs: list[tuple[str, str]], y, settings: dict,
           seed: int, progress: Callable[[str], None] | None, max_steps: int | None):
    """Fine-tune one network from the base weights with ``seed``; (network, steps taken)."""
    torch.manual_seed(seed)
    encoder = transformers.AutoModel.from_pretrained(str(encoder_path(settings["encoder"])))
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


def _state_owner(torch, networks: list[Any]):
    """What saves and loads the weights: the network itself when there is one (the
    layout of folders written before ensembles), else the list, whose keys start "0.",
    "1.", ..."""
    return networks[0] if len(networks) == 1 else torch.nn.ModuleList(networks)


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
        bad = set(labels) - set(CLASSES)
        if bad:
            raise ConfigError(f"aspect polarity labels must be {', '.join(CLASSES)}; "
                              f"got {sorted(bad)[0]!r}")
        if not items:
            raise ConfigError("no labelled aspect terms to fine-tune on")
        members = settings["ensemble"]
        if isinstance(members, bool) or not isinstance(members, int) or members < 1:
            raise ConfigError(f"fine-tuning ensemble must be a whole number ≥ 1, got {members!r}")
        torch, transformers = _imports()
        tokenizer = transformers.AutoTokenizer.from_pretrained(
            str(encoder_path(settings["encoder"])))
        y = torch.tensor([CLASSES.index(label) for label in labels])
        pairs = [pair(i) for i in items]
        networks = []
        for member in range(members):
            say = progress
            if progress is not None and members > 1:
                say = functools.partial(_prefixed, progress, f"member {member + 1}/{members}: ")
            network, steps = _train(torch, transformers, tokenizer, pairs, y, settings,
                                    settings["seed"] + member, say, max_steps)
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

        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        torch, _ = _imports()
        state = {k: v.detach().contiguous() for k, v in _state_owner(torch, self.networks)
                 .state_dict().items()}
        save_file(state, str(target / WEIGHTS))
        self.networks[0].encoder.config.to_json_file(str(target / "config.json"))
        self.tokenizer.save_pretrained(str(target))
        encoder = ENCODERS[self.settings["encoder"]]
        versions = library_versions(("feedback-engine", "torch", "transformers", "safetensors",
                                     *encoder["packages"]))
        self.manifest = {
            "format": FORMAT, "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "base_model": encoder["base_model"], "classes": list(CLASSES),
            "input": "term, marked sentence",
            "settings": self.settings,
            "weights_sha256": sha256_file(target / WEIGHTS),
            "training_data": {"source": source, "n": len(items),
                              "sha256": data_hash(items, labels)},
            "metrics": metrics or {}, "library_versions": versions,
            # Every file transformers will read (config, tokenizer) is hashed too.
            "files": {p.name: sha256_file(p) for p in sorted(target.iterdir())
                      if p.is_file() and p.name != "manifest.json"}}
        write_manifest(target, self.manifest)
        return target

    @classmethod
    def load(cls, folder: str | Path) -> FinetunedPolarity:
        """Load a folder from :meth:`save`, checking its format and weights hash."""
        source = Path(folder)
        manifest = read_manifest(source, f"fine-tuned aspect model (manifest.json + {WEIGHTS})")
        found = manifest.get("format")
        if found != FORMAT:
            raise ModelFileError(f"{source}: model format {found!r}, expected {FORMAT!r}; "
                                 "retrain it with this version")
        # transformers reads any file in the folder, so every one must carry a hash.
        names = sorted(p.name for p in source.iterdir() if p.name != "manifest.json")
        verify_files(source, manifest, names if WEIGHTS in names else [WEIGHTS, *names])
        raw = (source / WEIGHTS).read_bytes()
        torch, transformers = _imports()
        from safetensors.torch import load

        config = transformers.AutoConfig.from_pretrained(str(source))
        tokenizer = transformers.AutoTokenizer.from_pretrained(str(source))
        # Folders written before these settings existed hold one network with mean pooling.
        settings = {**DEFAULTS, **ENCODER_DEFAULTS["minilm"], "pooling": "mean", "ensemble": 1,
                    "encoder": "minilm", **manifest.get("settings", {})}
        members = settings.get("ensemble", 1)
        if isinstance(members, bool) or not isinstance(members, int) or members < 1:
            raise ModelFileError(f"{source}: manifest.json has ensemble {members!r}; expected "
                                 "a whole number ≥ 1")
        networks = [_network(torch, transformers.AutoModel.from_config(config),
                             settings["pooling"]) for _ in range(members)]
        try:
            _state_owner(torch, networks).load_state_dict(load(raw))
        except RuntimeError as exc:
            raise ModelFileError(f"{source}: weights do not fit the network: "
                                 f"{str(exc)[:200]}") from None
        for network in networks:
            network.eval()
        return cls(networks, tokenizer, settings, manifest)
