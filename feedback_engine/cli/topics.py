"""``feedback topics fit|show|label|merge|promote`` and ``feedback eval topics``."""

from __future__ import annotations

from typing import Any

import click

from .. import api
from ..api import DEFAULT_TOPICS_MODEL
from ..periods import Period, period_options
from .options import config_option, db_option, echo_json, json_option, show

model_option = click.option("-m", "--model", type=click.Path(file_okay=False),
                            help="Topic model folder [default: [stages.topics] model, "
                                 f"else {DEFAULT_TOPICS_MODEL}].")


@click.group(name="topics")
def topics_group() -> None:
    """Fit, inspect and curate the topic model (stable ids across weeks)."""


@topics_group.command(name="fit")
@db_option
@config_option
@period_options()
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
@json_option("the result")
def topics_fit(db: str | None, config_path: str | None, period: Period, out: str,
               embeddings: str, seed: int, resolution: float, min_topic_size: int,
               guided: bool, assign: bool, as_json: bool) -> None:
    """Fit topics on the warehouse's redacted texts and save the model to OUT.

    Use it in later runs with [stages.topics] model = "OUT": new weeks are assigned to the
    frozen topics, so ids stay stable.

    Example:

    \b
        feedback topics fit --from 2026-09-01 -o models/topics
        feedback topics show -m models/topics
    """
    result = api.topics_fit(out, db, config_path, period=period, embeddings=embeddings,
                            seed=seed, resolution=resolution, min_topic_size=min_topic_size,
                            guided=guided, assign=assign)
    if as_json:
        echo_json(result)
        return
    reused, n = result.get("embeddings_reused", 0), result["n_texts"]
    click.echo(f"{result['n_topics']} topics from {n:,} texts, "
               f"{result['outlier_share']:.1%} outliers ({result['embeddings']}); "
               f"wrote {result['model']}")
    click.echo(f"{result['wall_seconds']:.1f} s wall: reading the warehouse, {reused:,} "
               f"vectors reused from it and {n - reused:,} embedded (model loading "
               f"included), clustering, saving"
               + (f", assigning {result['assigned']:,} records" if result["assigned"] else ""))


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
@period_options(default="candidates from the 7 days before the latest record")
@json_option("everything")
def topics_show(model: str | None, db: str | None, config_path: str | None, n_examples: int,
                candidates: bool, period: Period, as_json: bool) -> None:
    """List the model's topics: id, size, label, and optionally examples and candidates.

    Example:

    \b
        feedback topics show --examples 2
        feedback topics show --candidates --from 2026-11-16 --json
    """
    result = api.topics_show(model, db, config_path, candidates=candidates, period=period)
    if as_json:
        echo_json(result)
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
def topics_label(topic_id: int, name: str, model: str | None, config_path: str | None) -> None:
    """Give topic TOPIC_ID a human label NAME ("" restores the automatic label).

    Example:

    \b
        feedback topics label 12 "eSIM activation"
    """
    topic = api.topics_label(topic_id, name, model, config_path)
    click.echo(f"topic {topic['id']}: {topic['name'] or topic['label']}")


@topics_group.command(name="merge")
@click.argument("keep", type=int)
@click.argument("absorb", type=int)
@model_option
@config_option
def topics_merge(keep: int, absorb: int, model: str | None, config_path: str | None) -> None:
    """Merge topic ABSORB into KEEP; KEEP's id and label stay, ABSORB's id is retired.

    Example:

    \b
        feedback topics merge 3 17
    """
    topic = api.topics_merge(keep, absorb, model, config_path)
    click.echo(f"topic {topic['id']} now has {topic['size']} texts: "
               f"{topic['name'] or topic['label']}")


@topics_group.command(name="promote")
@click.argument("topic_id", type=int)
@click.option("--as", "cause_id", required=True, metavar="PARENT.CAUSE",
              help="Id of the new cause, like technical_fault.esim_activation.")
@model_option
@db_option
@config_option
@click.option("--taxonomy", type=click.Path(exists=True, dir_okay=False),
              help="Taxonomy YAML to extend [default: [stages.rootcause] taxonomy, else the "
                   "bundled one].")
@click.option("-o", "--out", type=click.Path(dir_okay=False),
              help="Write the extended taxonomy here (a new file: never an input); without "
                   "it, print the new entry.")
@period_options(default="all dates")
@json_option("the entry and its evidence")
def topics_promote(topic_id: int, cause_id: str, model: str | None, db: str | None,
                   config_path: str | None, taxonomy: str | None, out: str | None,
                   period: Period, as_json: bool) -> None:
    """Turn topic TOPIC_ID into a taxonomy cause with the id given by --as.

    The cause gets the same entry as `feedback taxonomy draft` would draft, from the topic's
    records in the warehouse: patterns that set them apart from the other topics, 5 example
    texts, a polarity and a description. With -o the taxonomy plus the new cause is written
    to OUT (its comments kept); the taxonomy itself is never changed.

    Example:

    \b
        feedback topics promote 17 --as technical_fault.esim_activation \\
            --taxonomy my_causes.yaml -o my_causes.new.yaml
    """
    result = api.topics_promote(topic_id, cause_id, model, db, config_path, taxonomy, out,
                                period=period)
    if as_json:
        echo_json(result)
        return
    if not out:
        click.echo(result["yaml"], nl=False)
        return
    entry = result["entry"]
    click.echo(f"topic {topic_id} -> {entry['id']}: {entry['size']:,} records, "
               f"{len(entry['patterns'])} patterns, {len(entry['examples'])} examples; wrote "
               f"{out} ({result['taxonomy']} + 1 cause"
               + ("" if result["comments_kept"] else ", written anew without its comments")
               + ")")


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
@click.option("--language", default="auto", show_default=True,
              help="The texts' language (en, zh, ru, de, ...), or auto to detect each text's.")
@json_option("the scores")
def eval_topics(data: tuple[str, ...], text_col: str, label_col: str, embeddings: str, seed: int,
                resolution: float, baseline: bool, language: str, as_json: bool) -> None:
    """Fit topics on DATA (CSV, JSONL or Parquet files, joined) and score against gold labels.

    Reports topics found, outlier share, NMI and ARI (outliers as their own cluster), fit
    seconds (embeddings included) and peak memory, beside BERTopic's defaults.

    Example:

    \b
        feedback eval topics banking77/train.csv banking77/test_public.csv \\
            --text-col text --label-col category
    """
    from ..topics.evaluate import format_topics_eval

    result = api.eval_topics(data, text_col, label_col, embeddings=embeddings, seed=seed,
                             resolution=resolution, baseline=baseline, language=language)
    show(result, as_json, format_topics_eval)
