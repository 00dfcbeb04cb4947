"""Hostile model folders (issue #17): a tampered or malformed model folder named by a stage is
one coded ModelFileError line from `feedback analyze`, never a traceback, never a pickle load.

Each model is trained once (small), copied per case into ``tmp_path``, altered there, and
pointed at by ``[stages.<stage>] model``.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hostile_harness import assert_coded_error, assert_unchanged, run_cli, snapshot

from feedback_engine.errors import CATALOGUE, ModelFileError
from feedback_engine.rootcause.model import RootCauseModel, train_model
from feedback_engine.sentiment.model import SentimentModel
from feedback_engine.sentiment.rules import RuleScorer
from feedback_engine.topics.model import TopicModel

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from rootcause_fixtures import TRAIN  # noqa: E402

SURVEY = ("id,comment,created_at\n"
          "R1,Great service,2026-01-05\n"
          "R2,my parcel has not arrived yet,2026-01-06\n")
STAGE_OF = {"sentiment": "sentiment", "rootcause": "rootcause"}


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One small trained model per kind: sentiment and root cause."""
    root = tmp_path_factory.mktemp("models")
    good = ["great service", "really helpful agent", "love it"]
    bad = ["awful service", "useless agent", "hate it"]
    texts = [f"{t} {i}" for i in range(5) for t in good + bad]
    targets = np.array(([0.8] * 3 + [-0.8] * 3) * 5)
    SentimentModel(RuleScorer()).fit(texts, targets).save(root / "sentiment", texts, targets)
    pairs = [(t, label) for label, group in TRAIN.items() for t in group]
    train_model([t for t, _ in pairs], [label for _, label in pairs]).save(root / "rootcause")
    return {"sentiment": root / "sentiment", "rootcause": root / "rootcause"}


def _copy(models: dict[str, Path], kind: str, tmp_path: Path) -> Path:
    folder = tmp_path / f"{kind}-model"
    shutil.copytree(models[kind], folder)
    return folder


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def _write_manifest(folder: Path, manifest: object) -> None:
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def _rehash(folder: Path, name: str) -> None:
    """Record ``name``'s new SHA-256 in the manifest: the tamperer covers their tracks."""
    manifest = _manifest(folder)
    digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    manifest["files"][name] = digest
    _write_manifest(folder, manifest)


def _arrays(folder: Path) -> dict[str, np.ndarray]:
    with np.load(folder / "weights.npz", allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def _analyze(kind: str, folder: Path, tmp_path: Path):
    survey = tmp_path / "survey.csv"
    if not survey.exists():
        survey.write_text(SURVEY, encoding="utf-8")
    config = tmp_path / "feedback.toml"
    config.write_text(f'[pipeline]\nstages = ["normalize", "redact", "{STAGE_OF[kind]}"]\n'
                      f'[stages.{STAGE_OF[kind]}]\nmodel = "{folder.as_posix()}"\n',
                      encoding="utf-8")
    before = snapshot(survey, folder)
    run = run_cli("analyze", survey, "--db", tmp_path / "w.duckdb", "--config", config)
    assert_unchanged(before)  # neither the input nor the model folder is touched
    return run


def _refused(kind: str, folder: Path, tmp_path: Path, *words: str) -> str:
    line = assert_coded_error(_analyze(kind, folder, tmp_path))
    code = line.split("[", 1)[1][:5]
    assert issubclass(CATALOGUE[code].kind, ModelFileError), line
    for word in words:
        assert word in line, line
    return line


KINDS = pytest.mark.parametrize("kind", ["sentiment", "rootcause"])


@KINDS
def test_an_untouched_model_folder_loads(models, kind, tmp_path) -> None:
    run = _analyze(kind, _copy(models, kind, tmp_path), tmp_path)
    assert run.exit_code == 0, run.output


@KINDS
def test_deleting_the_file_hashes_and_editing_the_weights_is_refused(models, kind,
                                                                     tmp_path) -> None:
    folder = _copy(models, kind, tmp_path)
    manifest = _manifest(folder)
    manifest.pop("files")
    _write_manifest(folder, manifest)
    arrays = _arrays(folder)
    arrays["intercept"] = arrays["intercept"] + 5.0
    np.savez(folder / "weights.npz", **arrays)
    _refused(kind, folder, tmp_path, "no file hashes")


@KINDS
def test_edited_weights_under_the_old_hash_are_refused(models, kind, tmp_path) -> None:
    folder = _copy(models, kind, tmp_path)
    arrays = _arrays(folder)
    arrays["intercept"] = arrays["intercept"] + 5.0
    np.savez(folder / "weights.npz", **arrays)
    _refused(kind, folder, tmp_path, "does not match the hash")


@KINDS
def test_an_object_array_npz_is_refused_even_with_its_hash_recorded(models, kind,
                                                                    tmp_path) -> None:
    folder = _copy(models, kind, tmp_path)
    arrays = _arrays(folder)
    arrays["coef"] = np.array([{"a": 1}, "x", None], dtype=object)
    np.savez(folder / "weights.npz", **arrays)  # object arrays are pickled inside the npz
    _rehash(folder, "weights.npz")
    _refused(kind, folder, tmp_path, "object arrays")


@pytest.mark.parametrize("vocabulary", [
    b"{not json", b"\xff\xfe{}", b"[1, 2]", b'{"word": "abc", "char": []}',
    "duplicates", "numbers", b'{"word": []}',
], ids=["syntax", "not-utf8", "a-list", "a-string", "duplicates", "numbers", "no-char"])
def test_bad_vocabulary_json_is_refused_even_with_its_hash_recorded(models, tmp_path,
                                                                    vocabulary) -> None:
    folder = _copy(models, "rootcause", tmp_path)
    path = folder / "vocabulary.json"
    if isinstance(vocabulary, bytes):
        path.write_bytes(vocabulary)
    else:
        words = json.loads(path.read_text(encoding="utf-8"))
        words["word"] = ([words["word"][0]] * len(words["word"]) if vocabulary == "duplicates"
                         else list(range(len(words["word"]))))
        path.write_text(json.dumps(words), encoding="utf-8")
    _rehash(folder, "vocabulary.json")
    _refused("rootcause", folder, tmp_path, "vocabulary.json")


@pytest.mark.parametrize(("kind", "name", "cut"), [
    ("sentiment", "coef", -1), ("sentiment", "idf_words", -1),
    ("rootcause", "coef", -1), ("rootcause", "intercept", -1), ("rootcause", "idf_word", -1),
])
def test_an_array_of_the_wrong_shape_is_refused_even_with_its_hash_recorded(
        models, tmp_path, kind, name, cut) -> None:
    folder = _copy(models, kind, tmp_path)
    arrays = _arrays(folder)
    array = arrays[name]
    arrays[name] = array[..., :cut]  # one column (or entry) short
    np.savez(folder / "weights.npz", **arrays)
    _rehash(folder, "weights.npz")
    _refused(kind, folder, tmp_path, "weights.npz")


@KINDS
def test_a_link_to_dev_zero_in_place_of_the_weights_is_refused(models, kind,
                                                               tmp_path) -> None:
    folder = _copy(models, kind, tmp_path)
    (folder / "weights.npz").unlink()
    os.symlink("/dev/zero", folder / "weights.npz")
    _refused(kind, folder, tmp_path, "symbolic link")


@KINDS
def test_a_list_as_the_manifest_is_refused(models, kind, tmp_path) -> None:
    folder = _copy(models, kind, tmp_path)
    _write_manifest(folder, [_manifest(folder)])
    _refused(kind, folder, tmp_path, "JSON list")


class _Trap:
    """Unpickling this touches a marker file: proof that a pickle was loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


@KINDS
def test_a_pickle_in_the_folder_is_never_loaded(models, kind, tmp_path) -> None:
    folder = _copy(models, kind, tmp_path)
    marker = tmp_path / "unpickled"
    names = ("model.pkl", "weights.pkl", "vocabulary.pkl")
    for name in names:
        (folder / name).write_bytes(pickle.dumps(_Trap(marker)))
    _refused(kind, folder, tmp_path, "model.pkl is not listed")  # files it does not list
    assert not marker.exists()

    for name in names:  # listed with their hashes: loaded as nothing at all
        _rehash(folder, name)
    run = _analyze(kind, folder, tmp_path)
    assert run.exit_code == 0, run.output
    assert not marker.exists()

    # a pickle swapped in as the weights, its hash recorded: refused, still not loaded
    (folder / "weights.npz").write_bytes(pickle.dumps(_Trap(marker)))
    _rehash(folder, "weights.npz")
    _refused(kind, folder, tmp_path, "weights.npz")
    assert not marker.exists()


def test_topic_model_arrays_of_mismatched_shapes_are_model_file_errors(tmp_path) -> None:
    from test_topics import fit

    fit().save(tmp_path / "ok")

    def altered(tag: str, change: Callable[[dict[str, np.ndarray]], None]) -> Path:
        folder = tmp_path / tag
        shutil.copytree(tmp_path / "ok", folder)
        with np.load(folder / "arrays.npz", allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        change(arrays)
        np.savez(folder / "arrays.npz", **arrays)
        _rehash(folder, "arrays.npz")
        return folder

    cases = {
        "reference": lambda a: a.update(reference=a["reference"][:, :-1]),
        "reference_ids": lambda a: a.update(reference_ids=a["reference_ids"][:-3]),
        "centroids": lambda a: a.update(centroids=a["centroids"][:, :-1]),
        "backend": lambda a: a.update(backend_components=a["backend_components"][:-1]),
    }
    for tag, change in cases.items():
        with pytest.raises(ModelFileError, match="malformed"):
            TopicModel.load(altered(tag, change))


def test_root_cause_thresholds_that_are_not_numbers_are_model_file_errors(models,
                                                                          tmp_path) -> None:
    folder = _copy(models, "rootcause", tmp_path)
    manifest = _manifest(folder)
    manifest["thresholds"]["conf"] = "high"
    _write_manifest(folder, manifest)
    with pytest.raises(ModelFileError, match="malformed"):
        RootCauseModel.load(folder)
