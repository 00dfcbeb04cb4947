"""``feedback eval``: measure the engine against labelled data (``eval pii`` here; the other
``eval`` commands live with their capability and are added by :mod:`.main`)."""

from __future__ import annotations

import click

from .. import api
from .options import echo_json, json_option


@click.group(name="eval")
def eval_group() -> None:
    """Measure the engine against labelled data."""


@eval_group.command(name="pii")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.option("--lexicon", type=click.Path(exists=True, dir_okay=False),
              help="A pii.yaml to use instead of the bundled one.")
@click.option("--ner", is_flag=True, help="Add spaCy NER for names (needs the nlp extra).")
@click.option("--clean", "clean", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Real texts that hold no PII (CSV, JSONL or txt; repeatable): report "
                   "false redactions per 1,000 records.")
@click.option("--clean-column", help="The text column of the --clean CSVs (default: "
                                     "text, Review Text, comment, ... whichever is there).")
@click.option("--audit", type=click.Path(exists=True, dir_okay=False),
              help="JSON of the --clean records judged to hold a real person's name (by "
                   "hash); they are counted apart from the false redactions.")
@click.option("--show-errors", is_flag=True,
              help="List missed and spurious spans, and each false redaction in the --clean "
                   "texts (prints the values).")
@json_option("the scores")
def eval_pii(data: str, lexicon: str | None, ner: bool, clean: tuple[str, ...],
             clean_column: str | None, audit: str | None, show_errors: bool,
             as_json: bool) -> None:
    """Score PII redaction on DATA, JSON lines of text and gold entity spans.

    Each line: {"text": "...", "entities": [{"start": 0, "end": 5, "type": "PERSON"}]}.
    Reports per-type precision and recall (overlap match), untyped redaction recall,
    and the leak rate: the share of gold PII characters left unmasked. With --clean, also
    the false redactions on texts that hold no PII: records changed per 1,000.

    Example:

    \b
        feedback eval pii benchmarks/data/pii_eval.jsonl
        feedback eval pii benchmarks/data/pii_eval.jsonl --clean reviews.csv \\
            --clean-column "Review Text" --show-errors
    """
    from ..evaluation.pii import format_pii

    result = api.eval_pii(data, lexicon=lexicon, ner=ner, clean=clean,
                          clean_column=clean_column, audit=audit)
    if as_json:
        payload = result.as_dict()
        if show_errors:
            payload["errors"] = result.errors + [e for c in result.clean for e in c.errors]
        echo_json(payload)
        return
    click.echo(format_pii(result))
    if show_errors:
        for error in result.errors:
            click.echo(f"{error['kind']:<15}{error['type']:<16}{error['value']!r}")
        for item in result.clean:
            for error in item.errors:
                click.echo(f"{error['kind']:<16}{error['type']:<16}{error['value']!r}  "
                           f"({item.source} record {error['record']}: {error['context']!r})")
