"""``feedback taxonomy draft|from-examples``: root causes from the customer's own data."""

from __future__ import annotations

from typing import Any

import click

from .. import api
from ..periods import Period, period_options
from .options import config_option, db_option, echo_json, json_option, show


@click.group(name="taxonomy")
def taxonomy_group() -> None:
    """Write root-cause taxonomies from your own data."""


def _written(result: dict) -> str:
    return (f"wrote {result['out']}: {result['causes']:,} causes, {result['examples']:,} "
            f"examples (embeddings {result['embeddings']})")


@taxonomy_group.command(name="from-examples")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.option("--text-col", default="text", show_default=True, help="Column with the text.")
@click.option("--label-col", default="label", show_default=True, help="Column with the cause.")
@click.option("--per-class", type=click.IntRange(1), default=10, show_default=True,
              help="Examples kept per label (a seeded pick).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the pick.")
@click.option("--parent", default="intent", show_default=True,
              help="Parent part of every id: intent.card_arrival.")
@click.option("--embeddings", default="auto", show_default=True,
              type=click.Choice(["auto", "minilm", "model2vec", "tfidf-svd"]),
              help="Encoder the taxonomy asks the semantic layer for (auto: MiniLM when "
                   "installed).")
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False),
              help="The taxonomy YAML to write.")
@json_option("the summary")
def from_examples(data: str, text_col: str, label_col: str, per_class: int, seed: int,
                  parent: str, embeddings: str, out: str, as_json: bool) -> None:
    """Write a taxonomy with PER_CLASS examples of each label of DATA (CSV, TSV, JSONL,
    Parquet, XLSX), to classify with directly: no patterns and no training.

    Each cause holds its examples (PII redacted), a description drafted from the words that
    set its texts apart, and a polarity from their sentiment. Use it in
    [stages.rootcause] taxonomy = "OUT", or with `feedback rootcause predict rules DATA
    --taxonomy OUT` and `feedback rootcause evaluate rules TEST --taxonomy OUT`.

    Example:

    \b
        feedback taxonomy from-examples train.csv --label-col category -o intents.yaml
        feedback rootcause evaluate rules test.csv --label-col category --taxonomy intents.yaml
    """
    result = api.taxonomy_from_examples(data, out, text_col, label_col, per_class, seed, parent,
                                        embeddings)
    show(result, as_json, _written)


def draft_options(func: Any) -> Any:
    """The options of ``taxonomy draft`` (and of its old name, ``rootcause suggest``)."""
    func = click.option("-o", "--out", type=click.Path(dir_okay=False),
                        help="Write the YAML here (never over an input) instead of printing "
                             "it.")(func)
    func = click.option("--min-size", type=click.IntRange(2), default=5, show_default=True,
                        help="Fewest unknown records an entry needs.")(func)
    func = period_options()(func)
    func = config_option(func)
    return db_option(func)


def draft_summary(result: dict[str, Any]) -> str:
    """The lines ``taxonomy draft -o`` prints: counts, where entries came from, one per entry."""
    source = (f"topic model {result['model']}" if result["source"] == "topics"
              else "clustering")
    lines = [f"{result['unknown']:,} unknown records of {result['records']:,}; "
             f"{len(result['entries'])} entries from {source}; wrote {result['out']}"]
    if result["note"]:
        lines.append(f"note: {result['note']}")
    for e in result["entries"]:
        patterns = "; ".join(p["pattern"] for p in e["patterns"][:3]) or "(no pattern)"
        lines.append(f"  {e['id']:<32}{e['size']:>7,}  {e['polarity']:<9}{patterns}")
    return "\n".join(lines)


@taxonomy_group.command(name="draft")
@click.option("-m", "--model", type=click.Path(file_okay=False),
              help="Topic model folder [default: [stages.topics] model, else models/topics; "
                   "none there: cluster the unknown records].")
@draft_options
@click.option("--include-semantic", is_flag=True,
              help="Count every record the semantic layer matched by meaning as unknown too "
                   "(by default only its weak guesses, confidence below 0.3, count: that is "
                   "where a missing cause often hides).")
@json_option("the draft, entries and their evidence")
def draft_cmd(model: str | None, db: str | None, config_path: str | None, period: Period,
              min_size: int, out: str | None, include_semantic: bool, as_json: bool) -> None:
    """Draft new taxonomy entries from the `unknown` records of a period.

    Groups the unknown records by the fitted topic model (each topic with enough of them
    becomes an entry; the records no topic fits are clustered), or, with no topic model,
    by clustering them. Each entry has an id, label, description, polarity, 5 example
    texts (redacted) and patterns that set its texts apart from the others, measured with
    the taxonomy's own pattern language: multi-word phrases, and single words only when rare
    and discriminating. Prints commented YAML to review and append to your taxonomy.

    Example:

    \b
        feedback topics fit -o models/topics
        feedback taxonomy draft --week 2026-W47 -o draft.yaml
    """
    result = api.taxonomy_draft(db, config_path, model, min_size=min_size, out=out,
                                period=period, include_semantic=include_semantic)
    if as_json:
        echo_json(result)
    elif out:
        click.echo(draft_summary(result))
    else:
        click.echo(result["yaml"], nl=False)
