"""PII beyond English: phones per region, national ids, Russian and Chinese names, the stage.

The Russian and Chinese evaluation sets (benchmarks/data/pii_eval_{ru,zh}_{tune,test}.jsonl)
are checked here too, with check-digit code of this file's own.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pandas as pd
import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback_engine.evaluation.pii import evaluate_pii, load_pii_data
from feedback_engine.privacy import Redactor
from feedback_engine.privacy.national import snils_valid
from feedback_engine.privacy.regions import regions_for
from feedback_engine.stages.redact import Redact, _pii_column

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"
REDACTOR = Redactor()
LANG_TYPES = {"PERSON", "PHONE_NUMBER", "RU_INN", "RU_SNILS", "CN_RESIDENT_ID"}


def _types(text: str, language: str | None) -> set[str]:
    return {s.type for s in REDACTOR.find(text, language)}


def _redacted(text: str, language: str | None) -> str:
    return REDACTOR.redact(text, language).text


# ---------------------------------------------------------------- check digits, own code


def _inn(body: str) -> str:
    def check(digits: str, weights: tuple[int, ...]) -> str:
        return str(sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10)

    if len(body) == 9:
        return body + check(body, (2, 4, 10, 3, 5, 9, 4, 6, 8))
    first = check(body, (7, 2, 4, 10, 3, 5, 9, 4, 6, 8))
    return body + first + check(body + first, (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8))


def _ric(body: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def _snils(body: str) -> str:
    total = sum(int(d) * w for d, w in zip(body, range(9, 0, -1), strict=True))
    check = total if total < 100 else 0 if total <= 101 else total % 101
    return f"{body}{0 if check == 100 else check:02d}"


# ---------------------------------------------------------------- phones


@pytest.mark.parametrize(("text", "language", "number"), [
    ("请拨打13812345678联系我", "zh", "13812345678"),
    ("电话：138-1234-5678，谢谢", "zh", "138-1234-5678"),
    ("座机010-62345678找不到人", "zh", "010-62345678"),
    ("звоните 8 (916) 123-45-67 после шести", "ru", "8 (916) 123-45-67"),
    ("мой номер +7 916 123 45 67", "ru", "+7 916 123 45 67"),
    ("тел.89161234567", "ru", "89161234567"),
    ("городской 8 (495) 123-45-67", "ru", "8 (495) 123-45-67"),
    ("Bitte rufen Sie 0151 23456789 an", "de", "0151 23456789"),
    ("Handy 015123456789", "de", "015123456789"),
    ("call me on +86 138 1234 5678", "en", "+86 138 1234 5678"),
    ("звоните +86 138 1234 5678", "ru", "+86 138 1234 5678"),
])
def test_phones_of_each_region_are_redacted_in_their_language(text: str, language: str,
                                                               number: str) -> None:
    spans = REDACTOR.find(text, language)
    assert [text[s.start:s.end] for s in spans if s.type == "PHONE_NUMBER"] == [number]


@pytest.mark.parametrize(("text", "language"), [
    ("订单号13812345678还没发货", "zh"), ("快递单号13812345678查不到", "zh"),
    ("заказ 89161234567 не пришёл", "ru"), ("ИНН 7707083894 не принимают", "ru"),
    ("2024年3月15日下单，付了1380元", "zh"), ("списали 12 500 руб. 15.03.2024", "ru"),
    ("Bestellnummer 015123456789 fehlt", "de"),
])
def test_order_numbers_dates_and_amounts_are_not_phones(text: str, language: str) -> None:
    assert _redacted(text, language) == text


def test_a_chinese_mobile_without_separators_is_english_text_unchanged() -> None:
    # English rules are kept as they were: a bare 11-digit CN mobile is not a phone there.
    assert _redacted("ref 13812345678", None) == "ref 13812345678"


def test_language_adds_home_regions_to_the_configured_ones() -> None:
    assert regions_for("zh", ("US",)) == ("US", "CN", "HK", "TW", "MO", "SG")
    assert regions_for("xx", ("US", "GB")) == ("US", "GB")
    redactor = Redactor(regions=["GB"])
    assert redactor.redact("8 (916) 123-45-67", "ru").text == "[PHONE_NUMBER]"


# ---------------------------------------------------------------- national ids


@pytest.mark.parametrize(("text", "language", "kind"), [
    ("身份证号11010519491231002X", "zh", "CN_RESIDENT_ID"),
    ("我的身份证310115198003256415被盗用了", "zh", "CN_RESIDENT_ID"),
    ("身份证号11010519491231002X", "en", "CN_RESIDENT_ID"),
    ("мой ИНН 500100732259", "ru", "RU_INN"),
    ("ИНН организации 7707083893", "ru", "RU_INN"),
    ("СНИЛС 112-233-445 95", "ru", "RU_SNILS"),
    ("Meine Steuer-ID ist 86095742719", "de", "DE_TAX_ID"),
    ("tax id 86095742719", "en", "DE_TAX_ID"),
])
def test_valid_national_ids_are_redacted(text: str, language: str, kind: str) -> None:
    assert kind in _types(text, language)
    assert not re.search(r"\d{9}", _redacted(text, language))


@pytest.mark.parametrize(("text", "language"), [
    ("身份证号11010519491231002Y", "zh"), ("身份证号110105194912310021", "zh"),
    ("ИНН 500100732258", "ru"), ("ИНН 7707083894", "ru"), ("СНИЛС 112-233-445 96", "ru"),
    ("Steuer-ID 86095742718", "de"),
])
def test_ids_with_a_wrong_check_digit_are_left_alone(text: str, language: str) -> None:
    assert _redacted(text, language) == text


def test_ten_digit_inn_needs_its_cue_and_plain_ids_need_their_language() -> None:
    assert "RU_INN" not in _types("номер 7707083893", "ru")
    assert "RU_INN" in _types("без кода, только ИНН 500100732259", "ru")
    assert "RU_INN" in _types("клиент 500100732259 жалуется", "ru")
    assert "RU_INN" not in _types("customer 500100732259 complains", "en")
    assert "RU_INN" not in _types("заказ 500100732259 не пришёл", "ru")


def test_snils_checksum_matches_the_published_rule() -> None:
    assert snils_valid("112-233-445 95") and not snils_valid("112-233-445 96")
    assert not snils_valid("001-001-998 00")  # issued before the check existed
    rng = random.Random(7)
    for _ in range(200):
        body = str(rng.randrange(10**8, 10**9))
        assert snils_valid(_snils(body))


# ---------------------------------------------------------------- names


@pytest.mark.parametrize(("text", "names"), [
    ("Оператор Иванова Мария Петровна обещала перезвонить", ["Иванова Мария Петровна"]),
    ("Курьер Павел опоздал на три часа", ["Павел"]),
    ("Разговаривала с Ольгой, она обещала вернуть деньги", ["Ольгой"]),
    ("Меня зовут Алексей Смирнов, жду ответа", ["Алексей Смирнов"]),
])
def test_russian_names_are_found(text: str, names: list[str]) -> None:
    spans = REDACTOR.find(text, "ru")
    assert [text[s.start:s.end] for s in spans if s.type == "PERSON"] == names


def test_a_street_named_after_a_person_is_not_a_name() -> None:
    # (natasha does tag a bare "на Ленина" as a person: docs/privacy.md lists it)
    for text in ("Банкомат на Ленина 15 съел карту", "Банкомат на улице Ленина съел карту"):
        assert _redacted(text, "ru") == text


@pytest.mark.parametrize(("text", "names"), [
    ("快递员李师傅把包裹放在门口", ["李"]),
    ("王先生很生气", ["王"]),
    ("欧阳女士投诉了三次", ["欧阳"]),
    ("我叫张伟，上周投诉的问题还没解决", ["张伟"]),
    ("收件人：李娜，地址写错了", ["李娜"]),
    ("客服小王态度很差", ["王"]),
    ("感谢张伟经理帮我处理了退款", ["张伟"]),
    ("张伟说会退款，结果没有", ["张伟"]),
])
def test_chinese_names_are_found_without_their_honorific(text: str, names: list[str]) -> None:
    spans = REDACTOR.find(text, "zh")
    assert [text[s.start:s.end] for s in spans if s.type == "PERSON"] == names


@pytest.mark.parametrize("text", [
    "谢谢师傅！送得很快", "快递小哥谢谢啦～", "配送员师傅很快态度很好", "这张卡被盗刷了",
    "宫保鸡丁很好吃", "王者荣耀充值没到账", "老师说明天到", "向经理反映了也没用",
])
def test_chinese_words_that_start_with_a_surname_are_not_names(text: str) -> None:
    assert _redacted(text, "zh") == text


@pytest.mark.parametrize(("text", "expected"), [
    ("Herr Müller war unfreundlich", "Herr [PERSON] war unfreundlich"),
    ("Ich habe mit Frau Schmidt gesprochen", "Ich habe mit Frau [PERSON] gesprochen"),
    ("Mein Name ist Jonas Becker", "Mein Name ist [PERSON]"),
])
def test_german_titles_and_cues_find_names(text: str, expected: str) -> None:
    assert _redacted(text, "de") == expected


# ---------------------------------------------------------------- English unchanged


def test_english_text_is_read_the_same_with_or_without_a_language() -> None:
    data = load_pii_data(DATA / "pii_eval.jsonl")
    for text, _ in data:
        assert REDACTOR.find(text, "en") == REDACTOR.find(text) == REDACTOR.find(text, None)
    assert REDACTOR.redact("Herr Müller", None).text == "Herr Müller"  # no German titles


# ---------------------------------------------------------------- properties


def _valid_ric(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(["110101", "310104", "440305", "510107", "370102"]))
    year = draw(st.integers(1930, 2020))
    month, day = draw(st.integers(1, 12)), draw(st.integers(1, 28))
    sequence = draw(st.integers(0, 999))
    return _ric(f"{region}{year}{month:02d}{day:02d}{sequence:03d}")


AROUND = st.sampled_from(["", "我的身份证", "身份证号码是", "请核实", "，谢谢", "。", " ",
                          "订单已取消，"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_redaction_never_leaves_a_valid_chinese_id(data: st.DataObject) -> None:
    value = data.draw(st.composite(lambda draw: _valid_ric(draw))())
    text = data.draw(AROUND) + value + data.draw(AROUND)
    assert value not in _redacted(text, "zh")


RU_CODES = ["903", "916", "925", "977", "985", "999", "495", "812"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(code=st.sampled_from(RU_CODES), number=st.integers(2_000_000, 8_999_999),
       shape=st.integers(0, 4), before=st.sampled_from(["", "тел. ", "звоните ", "мой номер: ",
                                                         "Жду звонка на "]))
def test_redaction_never_leaves_a_valid_russian_phone(code: str, number: int, shape: int,
                                                      before: str) -> None:
    n = str(number)
    value = [f"+7 {code} {n[:3]}-{n[3:5]}-{n[5:]}", f"8 ({code}) {n[:3]}-{n[3:5]}-{n[5:]}",
             f"8{code}{n}", f"+7{code}{n}", f"+7 {code} {n[:3]} {n[3:5]} {n[5:]}"][shape]
    if not phonenumbers.is_valid_number(phonenumbers.parse(value, "RU")):
        return  # not a number of the Russian plan: nothing to require
    digits = re.sub(r"\D", "", value)
    out = _redacted(f"{before}{value}, перезвоните", "ru")
    assert digits not in re.sub(r"\D", "", out)


@settings(max_examples=60, deadline=None)
@given(body=st.integers(10**10, 10**11 - 1))
def test_a_twelve_digit_inn_is_redacted_in_russian_text(body: int) -> None:
    value = _inn(str(body).zfill(10)[:10])
    assert value not in _redacted(f"ИНН {value}", "ru")


# ---------------------------------------------------------------- the stage


def _stage_chunk() -> pd.DataFrame:
    return pd.DataFrame({
        "record_id": ["1", "2", "3", "4"],
        "text_clean": ["звоните 8 (916) 123-45-67", "电话13812345678，王先生",
                       "call 8 (916) 123-45-67", "Herr Müller hat angerufen"],
        "language": ["ru", "zh-CN", None, "de"],
        "extra": [json.dumps({"ИНН": 500100732259, "заметка": "ИНН 500100732259"}),
                  json.dumps({"备注": "身份证号11010519491231002X"}), "{}", "{}"],
        "customer_id": ["c1", "13812345678", "c3", "c4"],
    })


def test_redact_stage_reads_each_records_language() -> None:
    stage = Redact()
    stage.setup()
    out = stage(_stage_chunk())
    assert out["text_redacted"].tolist() == [
        "звоните [PHONE_NUMBER]", "电话[PHONE_NUMBER]，[PERSON]先生",
        "call 8 (916) 123-45-67", "Herr [PERSON] hat angerufen"]
    assert out["pii_counts"].tolist()[1] == {"PERSON": 1, "PHONE_NUMBER": 1}
    extra = [json.loads(e) if e else None for e in out["extra"]]
    assert extra[0] == {"ИНН": "[REDACTED]", "заметка": "ИНН [RU_INN]"}
    assert extra[1] == {"备注": "身份证号[CN_RESIDENT_ID]"}
    assert out["customer_id"].tolist()[1].startswith("customer_")
    assert out["customer_id"].tolist()[0] == "c1"


def test_redact_stage_without_a_language_column_reads_english() -> None:
    stage = Redact()
    stage.setup()
    chunk = _stage_chunk().drop(columns=["language"])
    out = stage(chunk)
    assert out["text_redacted"].tolist()[0] == "звоните 8 (916) 123-45-67"


@pytest.mark.parametrize(("header", "personal"), [
    ("ИНН", True), ("СНИЛС", True), ("身份证号", True), ("手机号码", True), ("tax_id", True),
    ("National ID", True), ("Steuer-ID", True), ("имя", True), ("Имя товара", False),
    ("product_id", False), ("订单号", False)])
def test_personal_headers_in_other_languages_are_masked_whole(header: str,
                                                               personal: bool) -> None:
    assert _pii_column(header) is personal


# ---------------------------------------------------------------- the evaluation sets


@pytest.fixture(scope="module")
def lang_rows() -> dict[str, list[dict]]:
    out = {}
    for language in ("ru", "zh"):
        for split in ("tune", "test"):
            path = DATA / f"pii_eval_{language}_{split}.jsonl"
            out[f"{language}_{split}"] = [json.loads(line) for line in
                                          path.read_text(encoding="utf-8").splitlines()]
    return out


def test_language_sets_are_well_formed_and_checksums_hold(lang_rows: dict[str, list[dict]]
                                                          ) -> None:
    ids = [r["id"] for rows in lang_rows.values() for r in rows]
    assert len(ids) == len(set(ids))
    for name, rows in lang_rows.items():
        language = name[:2]
        for r in rows:
            assert set(r) == {"id", "language", "text", "entities"} and r["language"] == language
            assert ("-neg-" in r["id"]) == (not r["entities"]), r["id"]
            previous = 0
            for e in r["entities"]:
                assert e["type"] in LANG_TYPES
                assert previous <= e["start"] < e["end"] <= len(r["text"])
                previous = e["end"]
                value = r["text"][e["start"]:e["end"]]
                assert value == value.strip() and value[-1].isalnum()
                digits = re.sub(r"\D", "", value)
                if e["type"] == "RU_INN":
                    assert value == _inn(value[:-1] if len(value) == 10 else value[:-2])
                elif e["type"] == "RU_SNILS":
                    assert _snils(digits[:9]) == digits
                elif e["type"] == "CN_RESIDENT_ID":
                    assert _ric(value[:17]) == value
                elif e["type"] == "PHONE_NUMBER":
                    region = "RU" if language == "ru" else "CN"
                    assert phonenumbers.is_valid_number(phonenumbers.parse(value, region))


def test_language_sets_are_big_enough_and_split(lang_rows: dict[str, list[dict]]) -> None:
    for language in ("ru", "zh"):
        tune, test = lang_rows[f"{language}_tune"], lang_rows[f"{language}_test"]
        assert len(tune) + len(test) >= 120 and len(test) >= 60
        assert sum(not r["entities"] for r in test) >= 20
        assert not {r["text"] for r in tune} & {r["text"] for r in test}


def test_generator_reproduces_the_language_sets() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_pii_eval_lang",
                                                  ROOT / "benchmarks" / "make_pii_eval_lang.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for language in ("ru", "zh"):
        for split, rows in module.build(language).items():
            path = DATA / f"pii_eval_{language}_{split}.jsonl"
            assert path.read_text(encoding="utf-8") == module.to_jsonl(rows), path.name


def test_evaluation_reads_each_lines_language(tmp_path: Path) -> None:
    path = tmp_path / "ru.jsonl"
    text = "звоните 8 (916) 123-45-67"
    path.write_text(json.dumps({"text": text, "language": "ru", "entities": [
        {"start": 8, "end": len(text), "type": "PHONE_NUMBER"}]}, ensure_ascii=False) + "\n",
        encoding="utf-8")
    result = evaluate_pii(load_pii_data(path), REDACTOR)
    assert result.per_type["PHONE_NUMBER"].recall == 1.0 and result.leak_rate == 0.0


@pytest.mark.parametrize("text", ["快递太慢了，一周才到。\n王伟", "此致\n李娜", "谢谢！ 刘洋",
                                  "投诉:快递太慢了. 张敏"])
def test_a_chinese_name_signing_off_an_email_is_redacted(text: str) -> None:
    assert "[PERSON]" in Redactor().redact(text, language="zh").text


@pytest.mark.parametrize("text", ["谢谢", "好评\n", "13分钟送到..冷饭", "太难吃了，冷面硬",
                                  "味道不错。\n好吃"])
def test_a_short_closing_word_is_not_taken_for_a_signature(text: str) -> None:
    assert Redactor().redact(text, language="zh").text == text
