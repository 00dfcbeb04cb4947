"""Commands for aspect sentiment: ``feedback eval aspects`` and ``feedback aspects train``."""

from __future__ import annotations

import click

from .. import api
from .options import json_option, progress_echo, show

_backend_option = click.option(
    "--backend", type=click.Choice(["linear", "finetune"]), default="linear", show_default=True,
    help="The polarity model: linear, a logistic regression over rule features (seconds), or "
         "finetune, a sentence encoder fine-tuned on (term, sentence) pairs (more accurate; tens "
         "of minutes on a CPU; needs torch; see --encoder).")
_ensemble_option = click.option(
    "--ensemble", type=click.IntRange(min=1), default=None,
    help="finetune only: how many networks to fine-tune (fine-tuning seeds 13, 14, ...) and "
         "average; each adds its training time and scoring time. Default: 1 with mpnet, "
         "3 with minilm.")
_encoder_option = click.option(
    "--encoder", type=click.Choice(["minilm", "mpnet"]), default=None,
    help="finetune only: the encoder to fine-tune. mpnet (default): all-mpnet-base-v2, the "
         "more accurate (needs the mpnet extra). minilm: all-MiniLM-L6-v2, about 7 times "
         "faster per network.")


def _finetune_options(backend: str, ensemble: int | None,
                      encoder: str | None) -> dict[str, int | str]:
    """Fine-tuning settings given on the command line (none means the defaults)."""
    given = {k: v for k, v in (("ensemble", ensemble), ("encoder", encoder)) if v is not None}
    if given and backend != "finetune":
        raise click.UsageError(f"--{next(iter(given))} applies to --backend finetune only")
    return given


@click.command(name="aspects")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.option("--train-split", type=click.FloatRange(0.0, 1.0, max_open=True), default=0.8,
              show_default=True,
              help="Share of sentences (seeded shuffle) that trains a model; the rest is "
                   "scored. 0: no training, score every sentence.")
@click.option("--seed", default=13, show_default=True, help="Seed of the sentence shuffle.")
@click.option("--model", type=click.Path(exists=True, file_okay=False),
              help="Also score a model from `feedback aspects train`.")
@click.option("--no-nouns", is_flag=True,
              help="Extraction without the spaCy noun-phrase fallback.")
@_backend_option
@_ensemble_option
@_encoder_option
@json_option("the scores")
def eval_aspects(data: str, train_split: float, seed: int, model: str | None, no_nouns: bool,
                 backend: str, ensemble: int | None, encoder: str | None,
                 as_json: bool) -> None:
    """Score aspect polarity and term extraction on SemEval-2014 Task 4 XML.

    Given the gold aspect terms ("conflict" excluded): accuracy and macro F1 of
    negative / neutral / positive for the rules alone, the majority class, and a model
    trained on the seeded training part. Extraction: precision and recall of the terms
    found against the gold terms.

    Example:

    \b
        feedback eval aspects Restaurants_Train_v2.xml --train-split 0.8 --seed 13
    """
    from ..evaluation.aspects import format_aspects

    result = api.eval_aspects(data, train_split=train_split, seed=seed, model=model,
                              noun_fallback=not no_nouns, backend=backend,
                              progress=progress_echo,
                              **_finetune_options(backend, ensemble, encoder))
    show(result, as_json, format_aspects)


@click.group(name="aspects")
def aspects_group() -> None:
    """Train the aspect polarity model."""


@aspects_group.command(name="train")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False),
              help="Folder for the model (manifest.json + weights).")
@_backend_option
@_ensemble_option
@_encoder_option
def aspects_train(data: str, out: str, backend: str, ensemble: int | None,
                  encoder: str | None) -> None:
    """Train the aspect polarity model on SemEval-2014 Task 4 XML and save it to OUT.

    Use it with [stages.aspects] model = "OUT" in feedback.toml. The linear model is a
    logistic regression over rule scores and hashed context words (weights.npz); the
    finetune backend fine-tunes all-mpnet-base-v2, or all-MiniLM-L6-v2 with --encoder minilm
    (model.safetensors, config and tokenizer JSON). Both folders hold a manifest.json with
    the data hash and the weights' sha256 (no pickle).

    Example:

    \b
        feedback aspects train Restaurants_Train_v2.xml -o models/aspects
        feedback aspects train Restaurants_Train_v2.xml -o models/aspects-ft --backend finetune
        feedback aspects train Restaurants_Train_v2.xml -o models/aspects-minilm \\
            --backend finetune --encoder minilm
    """
    result = api.aspects_train(data, out, backend, progress=progress_echo,
                               **_finetune_options(backend, ensemble, encoder))
    click.echo(f"trained on {result['n']:,} aspect terms; wrote {result['model']}")
