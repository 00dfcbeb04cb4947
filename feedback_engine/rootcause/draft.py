"""Taxonomy entries from the customer's own data: ``taxonomy draft`` and ``topics promote``.

**Draft.** The ``unknown`` records of a period are grouped by the fitted topic model: each
topic with at least ``min_size`` unknown records, which are at least
:data:`MIN_UNKNOWN_SHARE` of its records in the period, becomes an entry (its other texts
are already explained by the causes that cover them). Each entry stands apart from the
other topics' texts. The unknown records that no topic fits (``-1``) and those of topics
existing causes explain are clustered (:func:`.suggest.cluster_texts`) into more entries,
which stand apart from every other text of the period. With no topic model at all the
whole draft comes from that clustering, and its header says so.

**Promote.** One topic's records (all of them, whatever their cause) become one entry with
the id a person chose, standing apart from the other topics' texts (unknown ones aside, as
in the draft), appended to a taxonomy file and written to a new file (the input is never
overwritten).

Topic per record: the warehouse's ``topic_id`` (``feedback topics fit`` and the topics stage
write it) when its ``topic_label`` shows it is this model's, else the model's assignment of
``text_redacted``. Patterns are mined from what
the rootcause stage classifies: the customer's turns for transcripts, else
``text_redacted``. Up to :data:`MAX_UNKNOWN` unknown and :data:`MAX_KNOWN` other records are
read (a seeded sample beyond that, each sampled text counting for those it stands for).
Entries are built by :func:`.entries.build_entry`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ..errors import error
from .entries import Entry, TextIndex, build_entry, entry_yaml, slug
from .taxonomy import ID_RE, Taxonomy

MIN_UNKNOWN_SHARE = 0.25  # below it, a topic's unknowns are leftovers of causes that fit it
# A semantic-layer answer below this confidence counts as unexplained: measured on the first
# 2,000 shuffled Banking77 train rows, such answers were right 41% of the time with the
# banking pack and 8% with the core (0.70 and above: 92% and 90%).
WEAK_SEMANTIC = 0.3
MAX_UNKNOWN = 50_000
MAX_KNOWN = 30_000
RULE = ("Patterns: phrases that match >= 5% of an entry's texts with precision >= 0.8 "
        "against the other texts; a single word only when rare and discriminating (no "
        "dictionary word, precision >= 0.95, <= 0.5% of the other texts)")


@dataclass
class Draft:
    """The drafted entries and how they were found."""

    entries: list[Entry]
    records: int  # records of the period
    unknown: int  # of them unknown
    source: str  # "topics" or "clustering"
    model: str | None
    note: str | None = None  # why the clustering was used, when it was
    left_out: list[dict[str, Any]] = field(default_factory=list)  # topics explained already
    unpatterned: int = 0  # unknown records of clusters left out: no pattern sets them apart
    include_semantic: bool = False  # semantic-layer matches counted as unknown
    yaml: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"records": self.records, "unknown": self.unknown, "source": self.source,
                "model": self.model, "note": self.note, "left_out": self.left_out,
                "unpatterned": self.unpatterned, "include_semantic": self.include_semantic,
                "entries": [e.to_json() for e in self.entries], "yaml": self.yaml}


def _day(value: dt.date | None, after: bool = False) -> dt.datetime | None:
    if value is None:
        return None
    return dt.datetime.combine(value + dt.timedelta(days=1 if after else 0), dt.time())


def read_period(db: str | Path, start: dt.date | None = None, end: dt.date | None = None,
                need_root_cause: bool = True, max_unknown: int = MAX_UNKNOWN,
                max_known: int = MAX_KNOWN, include_semantic: bool = False,
                ) -> tuple[pd.DataFrame, int, int]:
    """Read a period's records: ``(frame, records, unexplained records)``.

    The frame has ``source, record_id, root_cause, text_redacted, topic_id, topic_label,
    text, weight, unexplained``: ``text`` is what the rootcause stage classifies (customer turns for
    transcripts), ``weight`` the number of records a sampled row stands for, and
    ``unexplained`` true for ``unknown`` records and for weak matches by meaning (semantic
    layer, confidence below :data:`WEAK_SEMANTIC`); with ``include_semantic`` for every
    record whose cause the semantic layer gave.

    Raises:
        WarehouseError: no warehouse (FE406), no text (FE402), no root_cause (FE379).
    """
    from ..warehouse import Warehouse

    with Warehouse(db, read_only=True) as wh:
        columns = set(wh.columns("records"))
        if need_root_cause and "root_cause" not in columns:
            raise error("FE379", db=db)
        if "text_redacted" not in columns:
            raise error("FE402", db=db)
        cause = "r.root_cause" if "root_cause" in columns else "NULL"
        topic = "r.topic_id" if "topic_id" in columns else "NULL"
        topic_label = "r.topic_label" if "topic_label" in columns else "NULL"
        where, params = ["r.text_redacted IS NOT NULL"], []
        if start is not None:
            where.append("r.timestamp >= ?")
            params.append(_day(start))
        if end is not None:
            where.append("r.timestamp < ?")
            params.append(_day(end, after=True))
        turns = "speaker" in set(wh.columns("turns"))
        said = ("LEFT JOIN (SELECT source, record_id, string_agg(text, ' ' ORDER BY "
                "turn_index) AS said FROM turns WHERE speaker = 'customer' GROUP BY source, "
                "record_id) t ON r.source = t.source AND r.record_id = t.record_id"
                if turns else "")
        text = "COALESCE(t.said, r.text_redacted)" if turns else "r.text_redacted"
        unknown = f"COALESCE({cause} = 'unknown', false)"
        if include_semantic and "root_cause_method" in columns:
            unknown = f"({unknown} OR COALESCE(r.root_cause_method = 'semantic', false))"
        elif {"root_cause_method", "root_cause_conf"} <= columns:  # weak guesses by meaning
            unknown = (f"({unknown} OR COALESCE(r.root_cause_method = 'semantic' AND "
                       f"r.root_cause_conf < {WEAK_SEMANTIC}, false))")
        counts = wh.query(f"SELECT {unknown} AS unknown, count(*) AS n FROM records r WHERE "
                          + " AND ".join(where) + " GROUP BY 1", params)
        n = dict(zip(counts["unknown"].astype(bool), counts["n"].astype(int), strict=True))
        frames = []
        for flag, cap in ((True, max_unknown), (False, max_known)):
            total = n.get(flag, 0)
            if not total:
                continue
            # A seeded sample beyond the cap: the same warehouse gives the same draft.
            frame = wh.query(
                f"SELECT r.source, r.record_id, {cause} AS root_cause, r.text_redacted, "
                f"{topic} AS topic_id, {topic_label} AS topic_label, {text} AS text, "
                f"{str(flag).lower()} AS unexplained "
                f"FROM records r {said} WHERE "
                + " AND ".join([*where, f"{unknown} = {str(flag).lower()}"])
                + f" ORDER BY hash(r.source, r.record_id), r.record_id LIMIT {int(cap)}",
                params)
            frame["weight"] = total / max(len(frame), 1)
            frames.append(frame)
    if not frames:
        empty = pd.DataFrame(columns=["source", "record_id", "root_cause", "text_redacted",
                                      "topic_id", "topic_label", "text", "weight",
                                      "unexplained"])
        return empty, 0, 0
    frame = pd.concat(frames, ignore_index=True).sort_values(["source", "record_id"],
                                                             kind="stable")
    frame = frame.reset_index(drop=True)
    frame["text"] = frame["text"].fillna("").astype(str)
    return frame, sum(n.values()), n.get(True, 0)


def topic_of_records(model: Any, frame: pd.DataFrame) -> np.ndarray:
    """The topic of each row: the stored ``topic_id`` when it is this model's (one of its ids,
    with one of its labels for it, when a label is stored; or -1), else the model's
    assignment of ``text_redacted``. The label check keeps another model's ids, stored by an
    earlier fit, from being read as this one's."""
    names = {t.id: {t.label, t.display} for t in model.topics_}
    stored = pd.to_numeric(frame["topic_id"], errors="coerce")
    labels = frame["topic_label"] if "topic_label" in frame else pd.Series(
        [None] * len(frame), index=frame.index)
    ids = np.full(len(frame), -1, dtype=np.int64)
    known = np.zeros(len(frame), dtype=bool)
    for row, (value, label) in enumerate(zip(stored, labels, strict=True)):
        if pd.isna(value):
            continue
        value = int(value)
        if value == -1 or (value in names and (label is None or pd.isna(label)
                                               or label in names[value])):
            ids[row], known[row] = value, True
    need = np.flatnonzero(~known)
    if len(need):
        assigned = model.assign(frame["text_redacted"].iloc[need].fillna("").tolist())
        ids[need] = assigned.topic_id
    return ids


def _unique_id(base: str, taken: set[str]) -> str:
    cause_id, n = base, 2
    while cause_id in taken:
        cause_id, n = f"{base}_{n}"[:60], n + 1
    taken.add(cause_id)
    return cause_id


def _model(model_path: str | Path | None, required: bool) -> tuple[Any, str | None]:
    """The topic model, or ``(None, why not)`` when none is fitted and none was asked for."""
    from ..topics.model import TopicModel

    if model_path is None or (not required and not (Path(model_path) / "manifest.json").exists()):
        return None, (f"no topic model at {model_path}, so the entries come from clustering "
                      "the unknown records (fit one with `feedback topics fit -o "
                      f"{model_path}`)")
    return TopicModel.load(model_path), None


def draft_taxonomy(db: str | Path, start: dt.date | None = None, end: dt.date | None = None,
                   model_path: str | Path | None = None, model_required: bool = False,
                   taken_ids: set[str] | frozenset[str] = frozenset(), min_size: int = 5,
                   period: str = "", taxonomy_name: str = "", seed: int = 0,
                   include_semantic: bool = False) -> Draft:
    """Draft taxonomy entries from the ``unknown`` records of ``[start, end]``.

    Args:
        db: the warehouse.
        start, end: the period's first and last day (None: open).
        model_path: the topic model folder; missing and not ``model_required``: clustering.
        taken_ids: ids of the taxonomy in use, which the draft's ids avoid.
        min_size: the fewest unknown records an entry needs.
        period, taxonomy_name: for the header comment.
        seed: seeds the clustering.
        include_semantic: records the semantic layer classified count as unknown too (its
            low-confidence matches are where a cause the taxonomy lacks often hides).
    """
    from .suggest import cluster_texts

    frame, n_records, n_unknown = read_period(db, start, end,
                                              include_semantic=include_semantic)
    model, note = _model(model_path, model_required)
    unknown = frame["unexplained"].to_numpy(dtype=bool)
    index = TextIndex(frame["text"].tolist(), frame["weight"].to_numpy())
    weights = index.weights
    groups: list[tuple[np.ndarray, np.ndarray, str, str, int | None]] = []
    left_out: list[dict[str, Any]] = []
    pool = unknown.copy()
    if model is not None and unknown.any():
        topic = topic_of_records(model, frame)
        pool = unknown & (topic < 0)
        for t in sorted(model.topics_, key=lambda t: t.id):
            inside = topic == t.id
            focus = unknown & inside
            size, total = weights[focus].sum(), weights[inside].sum()
            if not focus.any():
                continue
            if size >= min_size and size >= MIN_UNKNOWN_SHARE * total:
                origin = (f'topic {t.id} "{t.display}" ({size / total:.0%} of its '
                          f"{round(total):,} records in the period unknown)")
                # A person's name for the topic is kept; an automatic label describes all
                # the topic's texts, so the entry is named from its own (unknown) ones.
                groups.append((focus, ~inside, origin, t.name or "", t.id))
            else:
                pool |= focus
                left_out.append({"topic": t.id, "label": t.display, "unknown": round(size),
                                 "share": round(float(size / total), 3)})
    rows = np.flatnonzero(pool)
    found = cluster_texts([index.texts[i] for i in rows], min_size, seed=seed) if len(
        rows) else None
    if found is not None:
        labels = found[0]
        what = "unknown records no topic explains" if model is not None else "unknown records"
        for c in range(int(labels.max()) + 1):
            focus = np.zeros(len(index), dtype=bool)
            focus[rows[labels == c]] = True
            if weights[focus].sum() >= min_size:
                groups.append((focus, ~focus, f"cluster {c + 1} of the {what}", "", None))
    # What an entry must stand apart from: texts existing causes explain and the other
    # entries' texts. Unknown texts in no entry count on neither side: a pattern that also
    # finds them finds more of the unexplained, which is no false alarm. Two passes: a
    # cluster that no pattern sets apart (no common theme) is dropped, then its texts no
    # longer count against the others.
    span = f" of {period}" if period else ""
    description = f"Drafted from {{size}} unknown records{span}{{about}}."

    def build(chosen: list[tuple[np.ndarray, np.ndarray, str, str, int | None]],
              ) -> list[tuple[Entry, str, int | None]]:
        countable = ~unknown
        for focus, *_ in chosen:
            countable = countable | focus
        return [(build_entry(index, focus, outside & countable, "new.cause", "", description,
                             origin), name, topic_id)
                for focus, outside, origin, name, topic_id in chosen]

    built = build(groups)
    themed = [i for i, (entry, _, topic_id) in enumerate(built)
              if topic_id is not None or entry.patterns]
    unpatterned = sum(built[i][0].size for i in range(len(built)) if i not in themed)
    if unpatterned:
        built = build([groups[i] for i in themed])
    taken = set(taken_ids)
    entries = []
    for entry, name, topic_id in built:
        entry.topic_id = topic_id
        name = name or " / ".join(_names(entry))
        entry.label = f"New › {name}"
        entry.id = _unique_id(f"new.{slug(name.split(' / ')[0])}", taken)
        entries.append(entry)
    entries.sort(key=lambda e: (not e.patterns, -e.size, e.id))
    result = Draft(entries, n_records, n_unknown, "clustering" if model is None else "topics",
                   None if model is None else str(model_path), note, left_out, unpatterned,
                   include_semantic)
    result.yaml = draft_yaml(result, period, taxonomy_name)
    return result


def _names(entry: Entry) -> list[str]:
    from ..topics.distinctive import pick_terms

    return pick_terms(((t, 0.0) for t in entry.terms), 3) or ["unnamed"]


def draft_yaml(draft: Draft, period: str = "", taxonomy_name: str = "") -> str:
    """The draft as commented taxonomy YAML (``causes:``)."""
    span = f" of {period}" if period else ""
    which = "`unknown` or semantic-layer" if draft.include_semantic else "`unknown`"
    head = [f"# Draft root causes from the {draft.unknown:,} {which} records{span} "
            f"(of {draft.records:,} records).",
            f"# Taxonomy in use: {taxonomy_name}." if taxonomy_name else "",
            "" if draft.include_semantic else
            f"# `unknown` counts the semantic layer's weak guesses too (confidence below "
            f"{WEAK_SEMANTIC}); --include-semantic counts all of its matches.",
            (f"# Grouped by the topic model {draft.model}." if draft.source == "topics" else
             f"# Grouped by clustering: {draft.note}." if draft.note else
             "# Grouped by clustering."),
            f"# {RULE}.",
            "# Review every id, label, description and pattern, then append the entries under "
            "`causes:` of your taxonomy."]
    if draft.left_out:
        listed = ", ".join(f"{t['topic']} ({t['unknown']})" for t in draft.left_out[:12])
        head.append(f"# Topics whose unknown records are under {MIN_UNKNOWN_SHARE:.0%} of "
                    f"them (clustered with the rest): {listed}"
                    + (" …" if len(draft.left_out) > 12 else "") + ".")
    if draft.unpatterned:
        head.append(f"# Left out: clusters of {draft.unpatterned:,} unknown records that no "
                    "pattern sets apart (no common theme).")
    text = "\n".join(line for line in head if line) + "\n"
    if not draft.entries:
        return text + "causes: []\n"
    return text + "causes:\n" + "\n".join(entry_yaml(e) for e in draft.entries)


@dataclass
class Promotion:
    """A topic made into a cause: the entry and the taxonomy text with it appended."""

    entry: Entry
    taxonomy: str  # the file extended
    text: str  # the extended taxonomy
    comments_kept: bool  # False when the file had to be written anew (comments lost)

    def as_dict(self) -> dict[str, Any]:
        return {"entry": self.entry.to_json(), "taxonomy": self.taxonomy,
                "comments_kept": self.comments_kept}


def append_cause(text: str, entry: Entry) -> tuple[str, bool]:
    """``text`` (a taxonomy file) with ``entry`` appended to its ``causes``; and whether the
    file's own text (comments included) was kept. When ``causes:`` is not the last block
    list of the file, it is written anew from its data."""
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        data = {}
    own = list(data.get("causes") or [])
    cause = entry.to_cause()
    # An empty list written "causes: []" takes the entry as its first item.
    text = re.sub(r"^causes:[ \t]*\[\][ \t]*$", "causes:", text, count=1, flags=re.M)
    item = re.search(r"^causes:[ \t]*(?:#.*)?\n(?:[ \t]*(?:#.*)?\n)*([ \t]*)- ", text, re.M)
    indent = item.group(1) if item is not None else (
        "  " if re.search(r"^causes:[ \t]*(?:#.*)?\n?(?:[ \t]*(?:#.*)?\n?)*\Z", text, re.M)
        else None)
    if indent is not None:
        joined = text.rstrip("\n") + "\n\n" + entry_yaml(entry, indent)
        try:
            again = yaml.safe_load(joined)
        except yaml.YAMLError:
            again = None
        if isinstance(again, dict) and again.get("causes") == [*own, cause] and {
                k: v for k, v in again.items() if k != "causes"} == {
                k: v for k, v in data.items() if k != "causes"}:
            return joined, True
    data["causes"] = [*own, cause]
    return ("# Written anew by `feedback topics promote` (the source's comments are not kept).\n"
            + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)), False


def promote_topic(db: str | Path, model_path: str | Path, topic_id: int, cause_id: str,
                  taxonomy: Taxonomy, start: dt.date | None = None,
                  end: dt.date | None = None) -> Promotion:
    """Make topic ``topic_id`` the cause ``cause_id``, appended to ``taxonomy``'s file.

    Args:
        db: the warehouse whose records hold the topic's texts.
        model_path: the topic model.
        topic_id: the topic.
        cause_id: the new cause's ``parent.child`` id.
        taxonomy: the compiled taxonomy to extend (its ``source`` is the file; the causes of
            a file it extends count as its own).
        start, end: the period whose records are read (None: open).

    Raises:
        ConfigError: a bad id (FE286), an id the taxonomy has (FE380), no such topic (FE232).
        WarehouseError: the topic has no records in the period (FE381).
    """
    from ..topics.model import TopicModel

    if not ID_RE.match(cause_id):
        raise error("FE286", where=f"--as {cause_id!r}")
    if cause_id in taxonomy.ids:
        raise error("FE380", cause_id=cause_id, file=taxonomy.source)
    model = TopicModel.load(model_path)
    topic = model.topic(topic_id)
    frame, _, _ = read_period(db, start, end, need_root_cause=False)
    ids = topic_of_records(model, frame) if len(frame) else np.zeros(0, dtype=np.int64)
    focus = ids == topic_id
    if not focus.any():
        raise error("FE381", topic_id=topic_id, db=db)
    index = TextIndex(frame["text"].tolist(), frame["weight"].to_numpy())
    # As in the draft: unknown texts of other topics count on neither side.
    rest = ~focus & ~frame["unexplained"].to_numpy(dtype=bool)
    parent = cause_id.split(".", 1)[0].replace("_", " ").capitalize()
    entry = build_entry(index, focus, rest, cause_id, f"{parent} › {topic.display}",
                        f'Promoted from topic {topic.id} "{topic.display}" ({{size}} '
                        "records){about}.", f'topic {topic.id} "{topic.display}"')
    entry.topic_id = topic.id
    text, kept = append_cause(Path(taxonomy.source).read_text(encoding="utf-8"), entry)
    return Promotion(entry, taxonomy.source, text, kept)
