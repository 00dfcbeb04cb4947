"""``feedback topics fit|show|label|merge`` and ``feedback eval topics``."""

from __future__ import annotations

import json
from typing import Any

import click

from .cli import _friendly, config_option, db_option

DEFAULT_MODEL = "models/topics"


def _paths(db: str | None, config_path: str | None, model: str | None) -> tuple[str, str]:
    from .config import load_config

    cfg = load_config(config_path)
    return (db or cfg["warehouse"]["path"],
            model or cfg["stages"].get("topics", {}).get("model") or DEFAULT_MODEL)


model_option = click.option("-m", "--model", type=click.Path(file_okay=False),
                            help="Topic model folder [default: [stages.topics] model, "
                                 f"else {DEFAULT_MODEL}].")


@click.group(name="topics")
def topics_group() -> None:
    """Fit, inspect and curate the topic model (stable ids across weeks)."""


@topics_group.command(name="fit")
@db_option
@config_option
@click.option("--since", help="First day of the training range (inclusive), e.g. 2026-09-01.")
@click.option("--until", help="Day after the training range (exclusive).")
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False),
              help="Folder for the model (manifest.json, topics.json, arrays.npz).")
@click.option("--embeddings", default="auto", show_default=True,
              type=click.Choice(["auto", "minilm", "model2vec", "tfidf-svd"]),
              help="Embedding backend (auto: MiniLM when installed, else tfidf-svd).")
@click.option("--seed", default=0, show_default=True, help="Seed: same data + seed, same topics.")
@click.option("--resolution", default=1.0, show_default=True, type=click.FloatRange(0.05, 20),
              help="Higher gives more, smaller topics.")
@click.option("--min-topic-size", default=10, show_default=True, type=click.IntRange(2))
@click.option("--guided/--no-guided", default=True, show_default=True,
              help="Seed topics from the root-cause taxonomy's descriptions.")
@click.option("--assign/--no-assign", default=True, show_default=True,
              help="Also write topic_id/topic_label/topic_prob for every record.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@_friendly
def topics_fit(db: str | None, config_path: str | None, since: str | None, until: str | None,
               out: str, embeddings: str, seed: int, resolution: float, min_topic_size: int,
               guided: bool, assign: bool, as_json: bool) -> None:
    """Fit topics on the warehouse's redacted texts and save the model to OUT.

    Use it in later runs with [stages.topics] model = "OUT": new weeks are assigned to the
    frozen topics, so ids stay stable.

    Example:

    \b
        feedback topics fit --since 2026-09-01 -o models/topics
        feedback topics show -m models/topics
    """
    from .topics.service import fit_topics

    path, _ = _paths(db, config_path, out)
    result = fit_topics(path, out, since=since, until=until, embeddings=embeddings, seed=seed,
                        guided=guided, assign=assign, resolution=resolution,
                        min_topic_size=min_topic_size)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(f"{result['n_topics']} topics from {result['assigned'] or 'the'} texts, "
               f"{result['outlier_share']:.1%} outliers, {result['fit_seconds']:.1f} s "
               f"({result['embeddings']}); wrote {result['model']}")


def _topic_line(t: dict[str, Any]) -> str:
    name = t["display"] + (f"  [auto: {t['label']}]" if t.get("name") else "")
    return f"{t['id']:>4}  {t['size']:>6}  {name}"


@topics_group.command(name="show")
@model_option
@db_option
@config_option
@click.option("--examples", "n_examples", default=0, show_default=True,
              type=click.IntRange(0, 5), help="Example texts to print per topic.")
@click.option("--candidates", is_flag=True,
              help="Also cluster recent records no topic fits into new-topic candidates.")
@click.option("--since", help="Candidates: first day (default: 7 days before the latest).")
@click.option("--until", help="Candidates: day after the range.")
@click.option("--json", "as_json", is_flag=True, help="Print everything as JSON.")
@_friendly
def topics_show(model: str | None, db: str | None, config_path: str | None, n_examples: int,
                candidates: bool, since: str | None, until: str | None,
                as_json: bool) -> None:
    """List the model's topics: id, size, label, and optionally examples and candidates.

    Example:

    \b
        feedback topics show --examples 2
        feedback topics show --candidates --since 2026-11-16 --json
    """
    from .topics.service import show_topics

    path, model_path = _paths(db, config_path, model)
    result = show_topics(model_path, db=path, candidates=candidates, since=since, until=until)
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    click.echo(f"{'id':>4}  {'size':>6}  label")
    for topic in result["topics"]:
        click.echo(_topic_line(topic))
        for example in topic["examples"][:n_examples]:
            click.echo(f"{'':14}- {example[:100]}")
    for c in result.get("candidates", []):
        click.echo(f"new? {c['size']:>6}  {c['label']}  (nearest topic {c['nearest_topic']}, "
                   f"similarity {c['nearest_similarity']:.2f})")
        for example in c["examples"][:max(n_examples, 1)]:
            click.echo(f"{'':14}- {example[:100]}")


@topics_group.command(name="label")
@click.argument("topic_id", type=int)
@click.argument("name")
@model_option
@config_option
@_friendly
def topics_label(topic_id: int, name: str, model: str | None, config_path: str | None) -> None:
    """Give topic TOPIC_ID a human label NAME ("" restores the automatic label).

    Example:

    \b
        feedback topics label 12 "eSIM activation"
    """
    from .topics.service import label_topic

    _, model_path = _paths(None, config_path, model)
    topic = label_topic(model_path, topic_id, name)
    click.echo(f"topic {topic['id']}: {topic['name'] or topic['label']}")


@topics_group.command(name="merge")
@click.argument("keep", type=int)
@click.argument("absorb", type=int)
@model_option
@config_option
@_friendly
def topics_merge(keep: int, absorb: int, model: str | None, config_path: str | None) -> None:
    """Merge topic ABSORB into KEEP; KEEP's id and label stay, ABSORB's id is retired.

    Example:

    \b
        feedback topics merge 3 17
    """
    from .topics.service import merge_topics

    _, model_path = _paths(None, config_path, model)
    topic = merge_topics(model_path, keep, absorb)
    click.echo(f"topic {topic['id']} now has {topic['size']} texts: "
               f"{topic['name'] or topic['label']}")


@click.command(name="topics")
@click.argument("data", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--text-col", default="text", show_default=True, help="Column with the text.")
@click.option("--label-col", default="label", show_default=True,
              help="Column with the gold label.")
@click.option("--embeddings", default="auto", show_default=True,
              type=click.Choice(["auto", "minilm", "model2vec", "tfidf-svd"]))
@click.option("--seed", default=0, show_default=True)
@click.option("--resolution", default=1.0, show_default=True, type=click.FloatRange(0.05, 20))
@click.option("--baseline/--no-baseline", default=True, show_default=True,
              help="Also fit BERTopic's defaults (UMAP + HDBSCAN) on the same embeddings.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@_friendly
def eval_topics(data: tuple[str, ...], text_col: str, label_col: str, embeddings: str, seed: int,
                resolution: float, baseline: bool, as_json: bool) -> None:
    """Fit topics on DATA (CSV, JSONL or Parquet files, joined) and score against gold labels.

    Reports topics found, outlier share, NMI and ARI (outliers as their own cluster), fit
    seconds (embeddings included) and peak memory, beside BERTopic's defaults.

    Example:

    \b
        feedback eval topics banking77/train.csv banking77/test_public.csv \\
            --text-col text --label-col category
    """
    from .topics.evaluate import evaluate_topics, format_topics_eval, read_labelled

    texts, gold = [], []
    for path in data:
        more_texts, more_gold = read_labelled(path, text_col, label_col)
        texts += more_texts
        gold += more_gold
    result = evaluate_topics(texts, gold, embeddings=embeddings, seed=seed, baseline=baseline,
                             resolution=resolution)
    click.echo(json.dumps(result, indent=2) if as_json else format_topics_eval(result))
