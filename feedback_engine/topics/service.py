"""Library functions behind ``feedback topics``: fit from the warehouse, show, label, merge.

Each returns plain data; the CLI prints it. Fitting reads ``text_redacted`` from the
``records`` table in a fixed order (timestamp, source, record id), so the same warehouse,
range and seed give the same topics.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from ..errors import error
from .model import TopicModel, resolve_embeddings


def _bound(value: str | dt.date) -> dt.datetime:
    """A ``since``/``until`` date or ISO string (time optional) as a naive datetime."""
    try:
        return dt.datetime.fromisoformat(str(value)).replace(tzinfo=None)
    except ValueError:
        raise error("FE234", value=value) from None


def warehouse_languages(con: Any, since: str | None = None,
                        until: str | None = None) -> list[str | None]:
    """Each record's language, in :func:`warehouse_texts`' order (None: no language column,
    as in warehouses written before the language stage)."""
    columns = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                         "WHERE table_name = 'records'").fetchall()}
    where, params = _range(since, until)
    if "language" not in columns:
        (n,) = con.execute(f"SELECT count(*) FROM records WHERE {' AND '.join(where)}",
                           params).fetchone()
        return [None] * int(n)
    rows = con.execute(f"SELECT language FROM records WHERE {' AND '.join(where)} "
                       "ORDER BY timestamp, source, record_id", params).fetchall()
    return [r[0] for r in rows]


def _range(since: str | None, until: str | None) -> tuple[list[str], list[Any]]:
    where, params = ["text_redacted IS NOT NULL", "length(trim(text_redacted)) > 0"], []
    if since:
        where.append("timestamp >= ?")
        params.append(_bound(since))
    if until:
        where.append("timestamp < ?")
        params.append(_bound(until))
    return where, params


def warehouse_texts(con: Any, since: str | None = None, until: str | None = None,
                    ) -> tuple[list[str], list[str]]:
    """Return (record ids, redacted texts) in ``[since, until)``, in a stable order."""
    where, params = _range(since, until)
    try:
        rows = con.execute(
            f"SELECT record_id, text_redacted FROM records WHERE {' AND '.join(where)} "
            "ORDER BY timestamp, source, record_id", params).fetchall()
    except duckdb.Error:  # no records table, or no text_redacted column yet
        raise error("FE402", db="the warehouse") from None
    return [r[0] for r in rows], [r[1] for r in rows]


def warehouse_vectors(con: Any, texts: list[str], embeddings: str,
                      progress: bool = False) -> tuple[np.ndarray | None, int]:
    """Each text's vector under the encoder ``embeddings``: read from the ``embeddings``
    table where ``analyze`` stored it, embedded here otherwise.

    Returns:
        ``(vectors, reused)``: None for an encoder fitted per corpus (tfidf-svd), and how
        many texts' vectors came from the warehouse.
    """
    from ..vectors import SHAREABLE, shared_backend, stored_vectors

    backend = shared_backend(embeddings)
    if backend.name.split(":", 1)[0] not in SHAREABLE:
        return None, 0
    stored, found = stored_vectors(con, texts, backend.name)
    missing = np.flatnonzero(~found)
    if not len(missing):
        return stored, len(texts)
    fresh = backend.encode([texts[i] for i in missing], progress=progress)
    if stored.shape[1] == 0:
        return np.asarray(fresh, dtype=np.float32), 0
    stored[missing] = fresh
    return stored, int(found.sum())


def write_assignments(con: Any, record_ids: list[str], model: TopicModel,
                      texts: list[str], embeddings: np.ndarray | None = None) -> int:
    """Assign records to the model's topics and store topic_id/label/conf in ``records``."""
    import pandas as pd

    assignment = model.assign(texts, embeddings=embeddings)
    for name, kind in (("topic_id", "INTEGER"), ("topic_label", "VARCHAR"),
                       ("topic_prob", "DOUBLE")):
        con.execute(f'ALTER TABLE records ADD COLUMN IF NOT EXISTS "{name}" {kind}')
    frame = pd.DataFrame({"record_id": record_ids,
                          "topic_id": assignment.topic_id.astype(np.int64),
                          "topic_label": assignment.topic_label,
                          "topic_prob": np.round(assignment.topic_prob, 4)})
    con.register("topic_assignments", frame)
    try:
        con.execute("UPDATE records SET topic_id = a.topic_id, topic_label = a.topic_label, "
                    "topic_prob = a.topic_prob FROM topic_assignments a "
                    "WHERE records.record_id = a.record_id")
    finally:
        con.unregister("topic_assignments")
    return len(frame)


def fit_topics(db: str | Path, out: str | Path, since: str | None = None,
               until: str | None = None, embeddings: str = "auto", seed: int = 0,
               guided: bool = True, taxonomy: str | Path | None = None,
               assign: bool = True, **options: Any) -> dict[str, Any]:
    """Fit a topic model on the warehouse's texts, save it to ``out``, optionally assign.

    Args:
        db: the DuckDB warehouse.
        out: the model folder to write.
        since, until: the training range ``[since, until)`` (dates); default everything.
        embeddings: embedding backend name.
        seed: the model's seed.
        guided: seed topics from the root-cause taxonomy when one exists.
        taxonomy: a taxonomy YAML (default the bundled one).
        assign: also write topic_id / topic_label / topic_prob for every record.
        options: more :class:`TopicModel` settings.

    Returns:
        The manifest's metrics plus ``model`` (the folder) and ``assigned`` (records updated).
    """
    import duckdb

    from .guided import taxonomy_seeds

    started = time.perf_counter()
    if not Path(db).is_file():
        raise error("FE406", path=db)
    con = duckdb.connect(str(db), read_only=not assign)
    try:
        ids, texts = warehouse_texts(con, since, until)
        languages = warehouse_languages(con, since, until)
        embeddings = resolve_embeddings(embeddings, languages)
        seeds = taxonomy_seeds(taxonomy) if guided else []
        model = TopicModel(embeddings=embeddings, seed=seed, **options)
        # Encode once: the same vectors fit the model and assign the records; the texts
        # `analyze` embedded already come from the warehouse's embeddings table.
        x, reused = None, 0
        if embeddings != "tfidf-svd":
            x, reused = warehouse_vectors(con, texts, embeddings)
        model.fit(texts, embeddings=x, seeds=seeds, languages=languages)
        model.manifest_["metrics"]["embeddings_reused"] = reused
        model.manifest_["training"].update({"since": since, "until": until})
        model.save(out)
        assigned = 0
        if assign:
            _, all_texts = ids, texts
            if since or until:
                ids, all_texts = warehouse_texts(con)
                x = warehouse_vectors(con, all_texts, embeddings)[0]
            assigned = write_assignments(con, ids, model, all_texts, embeddings=x)
    finally:
        con.close()
    return {**model.manifest_["metrics"], "model": str(out), "assigned": assigned,
            "embeddings": model.manifest_["embeddings"], "n_texts": len(texts),
            "wall_seconds": round(time.perf_counter() - started, 2)}


def show_topics(model_path: str | Path, db: str | Path | None = None,
                candidates: bool = False, since: str | None = None,
                until: str | None = None, min_size: int = 5) -> dict[str, Any]:
    """Return the model's topics, and with ``candidates`` the new-topic candidates among the
    warehouse's records in ``[since, until)`` (default the last 7 days of data)."""
    model = TopicModel.load(model_path)
    result: dict[str, Any] = {"model": str(model_path), "manifest": model.manifest_,
                              "topics": model.summary()}
    if candidates:
        import duckdb

        if db is None or not Path(db).is_file():
            raise error("FE342", db=db)
        con = duckdb.connect(str(db), read_only=True)
        try:
            if since is None:
                latest = con.execute("SELECT max(timestamp) FROM records").fetchone()[0]
                if latest is None:
                    raise error("FE343")
                since = (latest - dt.timedelta(days=7)).isoformat()
            _, texts = warehouse_texts(con, since, until)
        finally:
            con.close()
        result["candidates"] = model.candidates(texts, min_size=min_size)
        result["candidates_range"] = {"since": since, "until": until, "n_texts": len(texts)}
    return result


def label_topic(model_path: str | Path, topic_id: int, name: str) -> dict[str, Any]:
    """Set a topic's human label and save the model."""
    model = TopicModel.load(model_path)
    topic = model.set_label(topic_id, name)
    model.save(model_path)
    return topic.to_json()


def merge_topics(model_path: str | Path, keep: int, absorb: int) -> dict[str, Any]:
    """Merge topic ``absorb`` into ``keep`` and save the model."""
    if keep == absorb:
        raise error("FE233")
    model = TopicModel.load(model_path)
    topic = model.merge(keep, absorb)
    model.save(model_path)
    return topic.to_json()
