"""Choose fine-tuning settings for aspect polarity without looking at the held-out part.

    python benchmarks/aspects_tuning.py Restaurants_Train_v2.xml \\
        --setting epochs=2 --setting epochs=3 --setting epochs=3,learning_rate=5e-5

``feedback eval aspects`` shuffles the sentences (seed 13), trains on the first 80% and
scores the last 20%. Picking settings by that 20% score would make it optimistic, so this
script never reads it: it takes the same 80% training part, cuts it again (seed 29; 85% /
15% by sentence), fine-tunes on the inner 85% with each setting and scores the inner 15%.
The chosen setting then goes into ``feedback_engine.aspects.finetune.DEFAULTS`` and the
held-out figure is measured once, with ``feedback eval aspects --backend finetune``.

Each setting prints one JSON line: the setting, validation accuracy and macro F1, training
seconds. Settings are ``key=value`` pairs of the fine-tuning options (epochs, batch_size,
max_length, learning_rate, warmup, weight_decay, seed, pooling, ensemble, encoder). To score an
average of seeds without training them again, save each run's validation probabilities with
``--probabilities DIR`` and score their mean with ``--combine DIR/a.npy DIR/b.npy``.
``--extra OTHER.xml`` adds every term of another file (another domain) to the fine-tuning
part; the validation cut stays the same.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from feedback_engine.aspects.finetune import DEFAULTS, FinetunedPolarity, settings_for
from feedback_engine.aspects.model import CLASSES
from feedback_engine.evaluation.aspects import (
    DEFAULT_SEED,
    DEFAULT_SPLIT,
    classification,
    instances,
    read_semeval,
    split,
)

INNER_SEED = 29
INNER_SPLIT = 0.85


def parse_setting(text: str) -> dict[str, Any]:
    """``"epochs=3,learning_rate=5e-5"`` -> ``{"epochs": 3, "learning_rate": 5e-05}``."""
    out: dict[str, Any] = {}
    for part in filter(None, text.split(",")):
        key, _, value = part.partition("=")
        if key not in DEFAULTS or not value:
            raise SystemExit(f"bad setting {part!r}: use key=value with a key of "
                             f"{', '.join(DEFAULTS)}")
        if isinstance(DEFAULTS[key], str):
            out[key] = value
            continue
        number = float(value)
        out[key] = int(number) if isinstance(DEFAULTS[key], int) else number
    return out


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", help="SemEval-2014 Task 4 training XML")
    parser.add_argument("--setting", action="append", default=[],
                        help="key=value[,key=value...]; repeat for several (default: DEFAULTS)")
    parser.add_argument("--probabilities", metavar="DIR",
                        help="also save each setting's validation probabilities as DIR/NAME.npy "
                             "(NAME from the setting), to score ensembles of runs later "
                             "with --combine")
    parser.add_argument("--extra", action="append", default=[], metavar="XML",
                        help="also fine-tune on every term of this SemEval XML (another "
                             "domain); the validation cut is unchanged")
    parser.add_argument("--combine", nargs="+", metavar="NPY",
                        help="score the mean of these saved probability files instead of training")
    args = parser.parse_args()
    train, _held_out = split(read_semeval(args.data), DEFAULT_SPLIT, DEFAULT_SEED)
    inner, validation = split(train, INNER_SPLIT, INNER_SEED)
    fit_items, fit_gold = instances(inner)
    for extra in args.extra:
        more_items, more_gold = instances(read_semeval(extra))
        fit_items, fit_gold = fit_items + more_items, fit_gold + more_gold
    val_items, val_gold = instances(validation)
    print(json.dumps({"data": args.data, "fit_terms": len(fit_items),
                      "validation_terms": len(val_items)}), flush=True)
    if args.combine:
        mean = np.mean([np.load(name) for name in args.combine], axis=0)
        predicted = [CLASSES[i] for i in mean.argmax(axis=1)]
        print(json.dumps({"combined": args.combine,
                          "validation": classification(val_gold, predicted)}), flush=True)
        return
    for text in args.setting or [""]:
        setting = parse_setting(text)
        started = time.perf_counter()
        model = FinetunedPolarity.fit(fit_items, fit_gold, progress=_progress, **setting)
        seconds = time.perf_counter() - started
        probabilities = model.probabilities(val_items)
        scores = classification(val_gold, [CLASSES[i] for i in probabilities.argmax(axis=1)])
        if args.probabilities:
            folder = Path(args.probabilities)
            folder.mkdir(parents=True, exist_ok=True)
            name = "_".join(f"{k}-{v}" for k, v in sorted(setting.items())) or "defaults"
            name += "".join(f"_extra-{Path(x).stem}" for x in args.extra)
            np.save(folder / f"{name}.npy", probabilities)
        print(json.dumps({"setting": settings_for(setting), "validation": scores,
                          "train_seconds": round(seconds, 1)}), flush=True)


if __name__ == "__main__":
    main()
