"""One embedding pass per record: the shared encoder, the embed stage, the vector store and
`topics fit` reading the vectors back instead of embedding again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback_engine import embeddings, vectors
from feedback_engine.errors import ConfigError
from feedback_engine.stages import build_pipeline
from feedback_engine.stages.embed import Embed
from feedback_engine.vectors import pack, shared_backend, stored_vectors, text_sha256, unpack
from feedback_engine.warehouse import Warehouse, prepare_chunk


class CountingBackend:
    """A stand-in encoder: a fixed vector per text, and a count of the texts it ran."""

    name = "minilm:counting@test"

    def __init__(self, **options: Any) -> None:
        self.texts: list[str] = []

    def encode(self, texts: list[str], batch_size: int = 64,
               progress: bool = False) -> np.ndarray:
        self.texts.extend(texts)
        rows = [np.random.default_rng(int(text_sha256(t)[:8], 16)).normal(size=8)
                for t in texts]
        out = np.array(rows, dtype=np.float32).reshape(len(texts), 8)
        return out / np.linalg.norm(out, axis=1, keepdims=True).clip(1e-12)


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> CountingBackend:
    backend = CountingBackend()
    monkeypatch.setattr(embeddings, "get_backend", lambda name, **options: backend)
    vectors.reset_shared()
    yield backend
    vectors.reset_shared()


def _chunk(texts: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"record_id": [f"r{i}" for i in range(len(texts))],
                         "source": "s", "row": range(len(texts)), "text_redacted": texts})


def _model_folder(tmp_path: Path, key: str, value: str) -> str:
    folder = tmp_path / key
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({key: value}))
    return str(folder)


def test_stages_in_one_process_share_one_encoder_and_embed_each_text_once(
        counting: CountingBackend) -> None:
    first, second = shared_backend("minilm"), shared_backend("minilm")
    assert first is second
    a = first.encode(["card declined", "refund late", "card declined"])
    b = second.encode(["refund late", "card declined"])
    assert counting.texts == ["card declined", "refund late"]
    np.testing.assert_array_equal(a[[1, 0]], b)


def test_a_new_chunk_starts_with_an_empty_cache(counting: CountingBackend) -> None:
    backend = shared_backend("minilm")
    backend.encode(["card declined"])
    vectors.new_chunk()
    backend.encode(["card declined"])
    assert counting.texts == ["card declined", "card declined"]


def test_tfidf_svd_is_never_shared_because_it_is_fitted_per_corpus() -> None:
    assert shared_backend("tfidf-svd") is not shared_backend("tfidf-svd")


def test_embed_stage_goes_before_the_first_stage_that_reads_every_records_vector(
        tmp_path: Path, config: dict[str, Any]) -> None:
    names = [n for n in config["pipeline"]["stages"] if n != "embed"]
    options = {"topics": {"model": _model_folder(tmp_path, "embeddings", "minilm:x@1")}}
    ids = build_pipeline(names, options, ["record_id", "text", "source", "row"]).ids()
    assert ids.index("embed.v1") == ids.index("topics.v1") - 1
    pipeline = build_pipeline(names, options, ["record_id", "text", "source", "row"])
    assert pipeline.get("embed").model == "minilm"


def test_embed_stage_resolves_auto_to_the_root_cause_models_encoder(
        tmp_path: Path, config: dict[str, Any]) -> None:
    options = {"rootcause": {"model": _model_folder(tmp_path, "embedding_backend",
                                                    "model2vec:y")}}
    pipeline = build_pipeline(config["pipeline"]["stages"], options,
                              ["record_id", "text", "source", "row"])
    assert pipeline.get("embed").model == "model2vec"


def test_without_a_model_that_needs_vectors_the_embed_stage_stays_off(
        config: dict[str, Any], counting: CountingBackend) -> None:
    pipeline = build_pipeline(config["pipeline"]["stages"], {},
                              ["record_id", "text", "source", "row"])
    embed = pipeline.get("embed")
    assert embed.model == "auto"
    embed.setup()
    out = embed(_chunk(["hello"]))
    assert out["embedding_model"].isna().all() and "embedding" not in out
    assert counting.texts == []


def test_embed_stage_refuses_an_encoder_it_cannot_share() -> None:
    with pytest.raises(ConfigError, match="FE495"):
        Embed(model="tfidf-svd").setup()


def test_stored_vectors_are_one_row_per_text_and_model_across_chunks_and_runs(
        tmp_path: Path, counting: CountingBackend) -> None:
    embed = Embed(model="minilm")
    embed.setup()
    texts = ["card declined", "refund late", "card declined", ""]
    with Warehouse(tmp_path / "w.duckdb") as warehouse:
        columns = warehouse.record_columns() | {"embedding_model"}
        warehouse.ensure_columns({"embedding_model": "VARCHAR"})
        for run in ("run1", "run2"):
            chunk = embed(_chunk(texts))
            prepared = prepare_chunk(chunk, pd.DataFrame(columns=["row", "raw"]), run,
                                     columns)
            assert "embedding" not in prepared.records
            warehouse.load_chunk("s", list(range(len(texts))), prepared)
        rows = warehouse.query("SELECT text_sha256, model FROM embeddings")
    assert len(rows) == 3
    assert set(rows["text_sha256"]) == {text_sha256(t) for t in texts}


def test_stored_vectors_come_back_in_the_texts_order_and_say_which_are_missing(
        tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "v.duckdb"))
    con.execute("CREATE TABLE embeddings (text_sha256 VARCHAR, model VARCHAR, vector BLOB)")
    v = np.eye(3, dtype=np.float32)
    for text, row in (("b", v[1]), ("a", v[0])):
        con.execute("INSERT INTO embeddings VALUES (?, 'm', ?)",
                    [text_sha256(text), pack(row[None])[0]])
    got, found = stored_vectors(con, ["a", "x", "b"], "m")
    assert found.tolist() == [True, False, True]
    np.testing.assert_array_equal(got[[0, 2]], v[[0, 1]])
    assert not stored_vectors(con, ["a"], "other")[1].any()


def test_duckdb_sha256_matches_the_text_hash_for_any_text() -> None:
    con = duckdb.connect()
    for text in ["", "plain", "naïve café", "退款 还没到", "emoji 😀", "a\x00b"]:
        (digest,) = con.execute("SELECT sha256(?)", [text]).fetchone()
        assert digest == text_sha256(text)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.floats(-1, 1, allow_nan=False, width=32), min_size=4, max_size=4),
                min_size=1, max_size=20))
def test_packed_unit_vectors_keep_their_direction(rows: list[list[float]]) -> None:
    x = np.array(rows, dtype=np.float32)
    x = x[np.linalg.norm(x, axis=1) > 1e-3]
    if not len(x):
        return
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    back = unpack(pack(x))
    assert back.dtype == np.float32 and back.shape == x.shape
    assert np.all(np.sum(back * x, axis=1) > 0.999)


@pytest.mark.slow
def test_both_engines_store_each_texts_vector_and_topics_fit_embeds_nothing_again(
        tmp_path: Path, config: dict[str, Any]) -> None:
    from feedback_engine import api
    from feedback_engine.sample import generate_corpus
    from feedback_engine.topics.service import fit_topics

    if "model2vec" not in embeddings.available_backends():
        pytest.skip("model2vec is not installed")
    generate_corpus(tmp_path / "corpus", n_records=600, seed=3)
    inputs = [p for p in sorted((tmp_path / "corpus").iterdir()) if p.suffix == ".csv"]
    first = fit_topics_after(api, inputs, tmp_path / "one.duckdb", config)
    config["stages"]["topics"]["model"] = str(first)
    db = tmp_path / "two.duckdb"
    api.analyze(inputs, db=db, config=config, workers=1)
    with duckdb.connect(str(db), read_only=True) as con:
        distinct, stored = con.execute(
            "SELECT count(DISTINCT sha256(text_redacted)), (SELECT count(*) FROM embeddings) "
            "FROM records WHERE text_redacted IS NOT NULL").fetchone()
        (stages,) = con.execute("SELECT stages FROM runs").fetchone()
    assert "embed.v1" in json.loads(stages) and stored == distinct
    two_workers = tmp_path / "two-workers.duckdb"
    api.analyze(inputs, db=two_workers, config=config, workers=2)
    query = ("SELECT record_id, topic_id, topic_prob, root_cause, embedding_model FROM records "
             "ORDER BY record_id")
    with duckdb.connect(str(db), read_only=True) as one, \
            duckdb.connect(str(two_workers), read_only=True) as two:
        pd.testing.assert_frame_equal(one.execute(query).df(), two.execute(query).df())
        vectors_query = "SELECT * FROM embeddings ORDER BY text_sha256"
        pd.testing.assert_frame_equal(one.execute(vectors_query).df(),
                                      two.execute(vectors_query).df())
    dask_db = tmp_path / "dask.duckdb"
    api.analyze(inputs, db=dask_db, config=config, engine="dask", workers=1)
    with duckdb.connect(str(dask_db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM embeddings").fetchone()[0] == stored
    backend = shared_backend("model2vec")
    before = backend.encoded
    result = fit_topics(db, tmp_path / "again", embeddings="model2vec", guided=False)
    assert result["embeddings_reused"] == result["n_texts"] > 0
    assert backend.encoded == before


def fit_topics_after(api: Any, inputs: list[Path], db: Path, config: dict[str, Any]) -> Path:
    """Analyze ``inputs`` into ``db`` and fit a model2vec topic model on it."""
    from feedback_engine.topics.service import fit_topics

    api.analyze(inputs, db=db, config=config)
    fit_topics(db, db.parent / "topics", embeddings="model2vec", guided=False)
    return db.parent / "topics"
