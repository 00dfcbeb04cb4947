"""Domain packs: a domain-neutral core, packs that extend it, and choosing one."""

from __future__ import annotations

import copy
import re
import tomllib
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback_engine.aspects.extract import AspectMatcher
from feedback_engine.aspects.lexicons import load_aspects
from feedback_engine.cli.main import main
from feedback_engine.config import DEFAULTS, load_config, merge_config
from feedback_engine.errors import ConfigError
from feedback_engine.resources import domain_lexicon, domains, lexicons_dir, read_yaml
from feedback_engine.rootcause.rules import RuleClassifier
from feedback_engine.rootcause.taxonomy import load_taxonomy, parse_taxonomy

# Words that only a telecom's customers use of its products.
TELECOM_ONLY = ("router", "broadband", "esim", "e-sim", "sim", "roaming", "handset", "mbps",
                "wifi", "wi-fi", "signal", "outage", "hub", "fibre", "fiber", "4g", "5g",
                "landline", "set-top", "booster", "smarthub")
PACKS = [d for d in domains() if d != "core"]


def _own_words(file: Path, list_key: str, extend_key: str) -> set[str]:
    """The words of a lexicon file's own patterns and excludes (not those it extends)."""
    data = read_yaml(file)
    texts = []
    for entry in [*(data.get(list_key) or []), *(data.get(extend_key) or [])]:
        for key in ("patterns", "exclude"):
            texts += [p["pattern"] if isinstance(p, dict) else str(p)
                      for p in entry.get(key) or []]
    return {w for text in texts for w in re.findall(r"[a-z0-9][a-z0-9-]*", text.lower())}


def _pack_file(domain: str, name: str) -> Path:
    return lexicons_dir() / domain_lexicon(domain, name)


def test_there_is_a_core_and_the_three_packs():
    assert domains()[0] == "core"
    assert {"telecom", "banking", "retail"} <= set(PACKS)


@pytest.mark.parametrize("domain", [d for d in domains() if d != "telecom"])
@pytest.mark.parametrize(("name", "list_key", "extend_key"), [
    ("root_causes.yaml", "causes", "extend_causes"),
    ("aspects.yaml", "aspects", "extend_aspects")])
def test_no_telecom_cue_outside_the_telecom_pack(domain, name, list_key, extend_key):
    words = _own_words(_pack_file(domain, name), list_key, extend_key)
    assert words.isdisjoint(TELECOM_ONLY), sorted(words & set(TELECOM_ONLY))


@pytest.mark.parametrize("domain", PACKS)
def test_each_pack_extends_the_core_and_keeps_its_causes(domain):
    core = load_taxonomy()
    pack = load_taxonomy(domain_lexicon(domain, "root_causes.yaml"))
    assert set(core.ids) <= set(pack.ids)
    assert len(pack.ids) > len(core.ids)
    assert pack.ids[:len(core.ids)] == core.ids  # the core first, in its order


@pytest.mark.parametrize("domain", domains())
def test_every_aspect_example_of_a_domain_mentions_its_aspect(domain):
    aspects = load_aspects(domain_lexicon(domain, "aspects.yaml"))
    matcher = AspectMatcher(aspects)
    missed = [(a.id, e) for a in aspects for e in a.examples
              if a.id not in {m.aspect for m in matcher.find(e)}]
    assert missed == []


@pytest.mark.parametrize("domain", ["core", "retail"])
@pytest.mark.parametrize(("text", "not_aspect"), [
    ("Lovely cable knit, warm and soft.", "router"),
    ("The fiber content is mostly cotton.", "network"),
    ("I can't wait to wear it to the wedding.", "wait_time"),
    ("It's a jacket with attitude!", "agent"),
])
def test_garment_words_do_not_become_telecom_aspects(domain, text, not_aspect):
    matcher = AspectMatcher(load_aspects(domain_lexicon(domain, "aspects.yaml")))
    assert not_aspect not in {m.aspect for m in matcher.find(text)}


@pytest.mark.parametrize("domain", ["core", "retail"])
@pytest.mark.parametrize(("text", "not_cause"), [
    ("A jacket with attitude, I wear it every day.", "agent_behaviour.rude"),
    ("They fit great and they are so comfortable.", "agent_behaviour.excellent_help"),
])
def test_reviews_of_garments_get_no_agent_cause(domain, text, not_cause):
    rules = RuleClassifier(load_taxonomy(domain_lexicon(domain, "root_causes.yaml")))
    assert rules.classify(text).label != not_cause


@pytest.mark.parametrize(("text", "cause"), [
    ("Please block my card, I lost it on the train.", "card.lost_or_stolen"),
    ("The exchange rate you used was far worse than the market one.", "fx.exchange_rate"),
    ("Why did I pay a fee to take out cash?", "fees.transaction_fee"),
    ("There is a payment on my account that I didn't make.", "fraud_security.fraud"),
])
def test_banking_pack_names_banking_causes(text, cause):
    rules = RuleClassifier(load_taxonomy(domain_lexicon("banking", "root_causes.yaml")))
    assert rules.classify(text).label == cause


@pytest.mark.parametrize(("text", "cause"), [
    ("Sadly it runs small, I had to size up twice.", "product_quality.fit_size"),
    ("The material is thin and completely see-through.", "product_quality.fabric"),
    ("Love it, so flattering and I get compliments every time.", "praise.product"),
])
def test_retail_pack_names_retail_causes(text, cause):
    rules = RuleClassifier(load_taxonomy(domain_lexicon("retail", "root_causes.yaml")))
    assert rules.classify(text).label == cause


# ---------------------------------------------------------------- extends


def _write(path: Path, data: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def base_file(tmp_path: Path) -> Path:
    return _write(tmp_path / "base.yaml", {"causes": [
        {"id": "billing.twice", "patterns": ["charged twice"]},
        {"id": "wait.hold", "patterns": ["on hold"]}]})


def test_a_pack_adds_causes_replaces_by_id_and_extends_patterns(tmp_path, base_file):
    pack = _write(tmp_path / "packs" / "x.yaml", {
        "extends": "../base.yaml",
        "causes": [{"id": "wait.hold", "label": "Hold (pack)", "patterns": ["in a queue"]},
                   {"id": "card.lost", "patterns": ["lost ~2 card"]}],
        "extend_causes": [{"id": "billing.twice", "patterns": ["paid twice"],
                           "examples": ["I paid twice"]}]})
    taxonomy = load_taxonomy(pack)
    assert taxonomy.ids == ["billing.twice", "wait.hold", "card.lost"]
    rules = RuleClassifier(taxonomy)
    assert rules.classify("I paid twice for it").label == "billing.twice"
    assert rules.classify("I was on hold").label == "unknown"  # replaced, not merged
    assert taxonomy.get("wait.hold").label == "Hold (pack)"
    assert taxonomy.get("billing.twice").examples == ["I paid twice"]


def test_a_pack_that_extends_itself_is_refused_with_the_chain(tmp_path):
    a = _write(tmp_path / "a.yaml", {"extends": "b.yaml", "causes": []})
    _write(tmp_path / "b.yaml", {"extends": "a.yaml", "causes": []})
    with pytest.raises(ConfigError, match=r"FE202.*a\.yaml.*b\.yaml"):
        load_taxonomy(a)


@pytest.mark.parametrize(("extension", "problem"), [
    ({"id": "nope.nope", "patterns": ["x"]}, "names no entry"),
    ({"id": "billing.twice", "label": "x"}, "unknown key 'label'"),
    ({"id": "billing.twice", "patterns": "x"}, "must be a list"),
])
def test_bad_extend_causes_entries_are_named(tmp_path, base_file, extension, problem):
    pack = _write(tmp_path / "pack.yaml", {"extends": "base.yaml", "causes": [],
                                           "extend_causes": [extension]})
    with pytest.raises(ConfigError, match=rf"FE203.*extend_causes #1.*{re.escape(problem)}"):
        load_taxonomy(pack)


def test_a_pack_whose_base_is_missing_names_the_file(tmp_path):
    pack = _write(tmp_path / "pack.yaml", {"extends": "gone.yaml", "causes": []})
    with pytest.raises(ConfigError, match=r"FE261.*gone\.yaml"):
        load_taxonomy(pack)


def test_extends_needs_a_file_to_resolve_against():
    with pytest.raises(ConfigError, match="FE201"):
        parse_taxonomy({"extends": "x.yaml", "causes": [{"id": "a.b", "patterns": ["x"]}]})


def test_an_aspect_pack_replaces_and_extends_core_aspects(tmp_path):
    _write(tmp_path / "core.yaml", {"aspects": [
        {"id": "agent", "patterns": ["agent"]}, {"id": "price", "patterns": ["price"]}]})
    pack = _write(tmp_path / "pack.yaml", {
        "extends": "core.yaml", "aspects": [{"id": "price", "patterns": ["cost"]},
                                            {"id": "card", "patterns": ["card"]}],
        "extend_aspects": [{"id": "agent", "patterns": ["banker"]}]})
    aspects = {a.id: a.patterns for a in load_aspects(pack)}
    assert aspects == {"agent": ("agent", "banker"), "price": ("cost",), "card": ("card",)}


# ---------------------------------------------------------------- choosing a domain


def test_taxonomy_domain_points_the_stages_at_the_pack():
    config = merge_config(copy.deepcopy(DEFAULTS), {"taxonomy": {"domain": "banking"}})
    assert config["stages"]["rootcause"]["taxonomy"] == "domains/banking/root_causes.yaml"
    assert config["stages"]["aspects"]["lexicon"] == "domains/banking/aspects.yaml"
    assert "card.lost_or_stolen" in load_taxonomy(config["stages"]["rootcause"]["taxonomy"]).ids


def test_a_file_set_by_the_user_wins_over_the_domain(tmp_path):
    config = merge_config(copy.deepcopy(DEFAULTS), {
        "taxonomy": {"domain": "retail"}, "stages": {"rootcause": {"taxonomy": "mine.yaml"}}})
    assert config["stages"]["rootcause"]["taxonomy"] == "mine.yaml"
    assert config["stages"]["aspects"]["lexicon"] == "domains/retail/aspects.yaml"


def test_an_unknown_domain_is_refused_with_the_choices():
    with pytest.raises(ConfigError, match=r"FE200.*'bank' in my\.toml.*core, banking"):
        merge_config(copy.deepcopy(DEFAULTS), {"taxonomy": {"domain": "bank"}},
                     origin="my.toml")


def test_the_default_domain_is_the_core():
    config = merge_config(copy.deepcopy(DEFAULTS), {})
    assert config["taxonomy"]["domain"] == "core"
    assert config["stages"]["rootcause"].get("taxonomy") is None  # the bundled core
    assert config["stages"]["aspects"]["lexicon"] == "aspects.yaml"


@pytest.mark.parametrize("domain", domains())
def test_init_per_domain_writes_a_config_that_uses_its_copies(tmp_path, domain):
    result = CliRunner().invoke(main, ["init", str(tmp_path), "--domain", domain])
    assert result.exit_code == 0, result.output
    config_file = tmp_path / "feedback.toml"
    settings = tomllib.loads(config_file.read_text(encoding="utf-8"))
    assert settings["taxonomy"]["domain"] == domain
    taxonomy = settings["stages"]["rootcause"]["taxonomy"]
    assert taxonomy.startswith("lexicons/") and (tmp_path / taxonomy).is_file()
    # An edit of the copied core reaches the pack that extends it.
    core_copy = tmp_path / "lexicons" / "root_causes.yaml"
    core_copy.write_text(core_copy.read_text(encoding="utf-8").replace(
        "label: Billing › double charge", "label: Charged twice (ours)"), encoding="utf-8")
    loaded = load_config(config_file)
    path = tmp_path / loaded["stages"]["rootcause"]["taxonomy"]
    assert load_taxonomy(path).get("billing.double_charge").label == "Charged twice (ours)"


def test_init_rejects_an_unknown_domain(tmp_path):
    result = CliRunner().invoke(main, ["init", str(tmp_path), "--domain", "utilities"])
    assert result.exit_code == 2
    assert "utilities" in result.output
    assert not (tmp_path / "feedback.toml").exists()


def test_changing_the_domain_of_an_initialised_folder_says_what_to_change(tmp_path):
    assert CliRunner().invoke(main, ["init", str(tmp_path), "--domain", "banking"]).exit_code == 0
    config_file = tmp_path / "feedback.toml"
    config_file.write_text(config_file.read_text(encoding="utf-8").replace(
        'domain = "banking"', 'domain = "retail"'), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"FE204.*retail.*banking pack"):
        load_config(config_file)


_IDS = st.lists(st.sampled_from([f"p.c{i}" for i in range(8)]), unique=True, max_size=6)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(base_ids=_IDS.filter(bool), pack_ids=_IDS, extended=_IDS)
def test_a_pack_keeps_every_cause_once_in_the_core_order(tmp_path, base_ids, pack_ids,
                                                          extended):
    folder = tmp_path / f"case{abs(hash((*base_ids, '|', *pack_ids, '|', *extended)))}"
    _write(folder / "base.yaml", {"causes": [{"id": i, "patterns": [f"word{n}"]}
                                             for n, i in enumerate(base_ids)]})
    known = [i for i in extended if i in base_ids]
    pack = _write(folder / "pack.yaml", {
        "extends": "base.yaml",
        "causes": [{"id": i, "patterns": [f"new{n}"]} for n, i in enumerate(pack_ids)],
        "extend_causes": [{"id": i, "examples": ["x"]} for i in known]})
    taxonomy = load_taxonomy(pack)
    assert taxonomy.ids == [*base_ids, *(i for i in pack_ids if i not in base_ids)]
    for cause in taxonomy.causes:
        replaced = cause.id in pack_ids
        assert [p.text for p in cause.patterns][0].startswith("new" if replaced else "word")
        assert cause.examples == (["x"] if cause.id in known else [])
