# ruff: noqa: E501  (the templates are whole sentences, one a line, to be read as written)
"""Build the Russian and Chinese PII evaluation sets (``pii_eval_{ru,zh}_{tune,test}.jsonl``).

    python benchmarks/make_pii_eval_lang.py          # write the four files
    python benchmarks/make_pii_eval_lang.py --check  # exit 1 if a committed file is stale

The sentences are templates written for this project (customer complaints about delivery,
banks and telecom operators, in the register of real feedback), filled with made-up values:
phone numbers valid by libphonenumber's plans, national ids with correct check digits
(computed here, not by the detector's code), and common names. Nothing is copied from a
dataset. Each template belongs to one split, so the test split holds sentence shapes the
detector was never tuned on: tune on ``*_tune.jsonl``, measure once on ``*_test.jsonl``.

Labelling conventions are those of ``benchmarks/data/README.md``: a span is the value only;
titles and honorifics are left out (王先生 gives 王, 客服小王 gives 王); a Russian name is one
span with its patronymic, in whatever case the sentence puts it. Ids, order numbers, amounts,
dates, product codes and tracking numbers in the ``neg`` templates are not PII and carry no
span; ids there have a wrong check digit.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Callable
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
SEED = 2127

# ---------------------------------------------------------------- check digits (own code)


def inn_digits(body: str) -> str:
    """Append the check digit(s) of a Russian INN to its 9 or 10 leading digits."""
    def check(digits: str, weights: tuple[int, ...]) -> str:
        return str(sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10)

    if len(body) == 9:
        return body + check(body, (2, 4, 10, 3, 5, 9, 4, 6, 8))
    first = check(body, (7, 2, 4, 10, 3, 5, 9, 4, 6, 8))
    second = check(body + first, (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8))
    return body + first + second


def snils_check(body: str) -> str:
    total = sum(int(d) * w for d, w in zip(body, range(9, 0, -1), strict=True))
    check = total if total < 100 else 0 if total <= 101 else total % 101
    return f"{0 if check == 100 else check:02d}"


def ric_check(body: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        v = int(ch) * (2 if i % 2 else 1)
        total += v // 10 + v % 10
    return total % 10 == 0


# ---------------------------------------------------------------- values

RU_MOBILE = ("903", "905", "910", "915", "916", "917", "925", "926", "964", "977", "985", "999")
RU_CITY = ("495", "499", "812", "343", "383")
RU_FIRST = [  # nominative, genitive, dative, accusative, instrumental
    ("Ольга", "Ольги", "Ольге", "Ольгу", "Ольгой"),
    ("Сергей", "Сергея", "Сергею", "Сергея", "Сергеем"),
    ("Мария", "Марии", "Марии", "Марию", "Марией"),
    ("Алексей", "Алексея", "Алексею", "Алексея", "Алексеем"),
    ("Екатерина", "Екатерины", "Екатерине", "Екатерину", "Екатериной"),
    ("Дмитрий", "Дмитрия", "Дмитрию", "Дмитрия", "Дмитрием"),
    ("Анна", "Анны", "Анне", "Анну", "Анной"),
    ("Игорь", "Игоря", "Игорю", "Игоря", "Игорем"),
    ("Наталья", "Натальи", "Наталье", "Наталью", "Натальей"),
    ("Андрей", "Андрея", "Андрею", "Андрея", "Андреем"),
    ("Татьяна", "Татьяны", "Татьяне", "Татьяну", "Татьяной"),
    ("Павел", "Павла", "Павлу", "Павла", "Павлом"),
]
RU_FULL = ["Иванов Сергей Петрович", "Смирнова Ольга Викторовна", "Кузнецов Алексей",
           "Попова Анна Игоревна", "Соколов Дмитрий Андреевич", "Лебедева Екатерина",
           "Морозов Игорь Николаевич", "Волкова Наталья Сергеевна", "Новиков Андрей",
           "Фёдорова Татьяна Павловна", "Михайлов Павел Олегович", "Козлова Мария"]
RU_FIRST_LAST = ["Сергей Иванов", "Ольга Смирнова", "Алексей Кузнецов", "Анна Попова",
                 "Дмитрий Соколов", "Екатерина Лебедева", "Игорь Морозов", "Татьяна Фёдорова"]
RU_SURNAME_DAT = ["Кузнецову", "Смирновой", "Поповой", "Соколову", "Морозову", "Волковой",
                  "Иванову", "Лебедевой"]
ZH_FULL = ["张伟", "王芳", "李娜", "刘强", "陈静", "杨洋", "赵磊", "黄敏", "周杰", "吴丽", "徐明",
           "孙浩", "马超", "朱琳", "胡军", "郭婷", "林峰", "何雪", "高翔", "罗梅", "欧阳娜娜",
           "梁晓东", "谢雨欣", "宋佳", "唐宁", "韩冰", "冯涛", "邓丽君"]
ZH_SURNAME = ["王", "李", "张", "刘", "陈", "赵", "黄", "周", "吴", "孙", "欧阳", "马", "郭", "林"]
ZH_REGIONS = ("110101", "110105", "310104", "310115", "440305", "440106", "510107", "320102",
              "330106", "420106", "500103", "610113", "370102", "210102")


def _digits(rng: random.Random, n: int, first: str = "123456789") -> str:
    return rng.choice(first) + "".join(rng.choice("0123456789") for _ in range(n - 1))


def ru_phone(rng: random.Random) -> str:
    code = rng.choice(RU_MOBILE if rng.random() < 0.8 else RU_CITY)
    a, b, c = _digits(rng, 3, "2345678"), _digits(rng, 2, "0123456789"), _digits(rng, 2)
    return rng.choice([
        f"+7 {code} {a}-{b}-{c}", f"8 ({code}) {a}-{b}-{c}", f"8{code}{a}{b}{c}",
        f"+7 {code} {a} {b} {c}", f"+7({code}){a}-{b}-{c}", f"8-{code}-{a}-{b}-{c}",
        f"+7{code}{a}{b}{c}"])


def zh_phone(rng: random.Random) -> str:
    if rng.random() < 0.8:
        prefix = rng.choice(("138", "139", "136", "135", "150", "151", "158", "186", "187",
                             "177", "189", "199", "166", "131"))
        a, b = _digits(rng, 4, "0123456789"), _digits(rng, 4, "0123456789")
        return rng.choice([f"{prefix}{a}{b}", f"{prefix}-{a}-{b}", f"{prefix} {a} {b}",
                           f"+86 {prefix} {a} {b}", f"+86{prefix}{a}{b}", f"{prefix}{a}{b}"])
    area, digits = rng.choice((("010", 8), ("021", 8), ("0755", 8), ("020", 8), ("0571", 8)))
    return f"{area}-{_digits(rng, digits, '2345678')}"


def inn12(rng: random.Random) -> str:
    return inn_digits(rng.choice(("77", "50", "78", "66", "54", "16")) + _digits(rng, 8, "0123"))


def inn10(rng: random.Random) -> str:
    return inn_digits(rng.choice(("77", "50", "78", "66")) + _digits(rng, 7, "0123456789"))


def snils(rng: random.Random) -> str:
    body = _digits(rng, 9, "123456789")
    check = snils_check(body)
    return rng.choice([f"{body[:3]}-{body[3:6]}-{body[6:]} {check}", f"{body}{check}",
                       f"{body[:3]}-{body[3:6]}-{body[6:]}-{check}"])


def ric(rng: random.Random) -> str:
    body = (rng.choice(ZH_REGIONS) + str(rng.randint(1960, 2003))
            + f"{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" + _digits(rng, 3, "0123456789"))
    return body + ric_check(body)


def bad(valid: Callable[[random.Random], str]) -> Callable[[random.Random], str]:
    """A value of the same shape with its last digit changed, so its check fails."""
    def make(rng: random.Random) -> str:
        value = valid(rng)
        last = value[-1]
        other = rng.choice([d for d in "0123456789" if d != last])
        return value[:-1] + other
    return make


def order(n: int) -> Callable[[random.Random], str]:
    return lambda rng: _digits(rng, n)


FILLERS: dict[str, tuple[str | None, Callable[[random.Random], str]]] = {
    # slot: (gold type or None, value maker)
    "ru_phone": ("PHONE_NUMBER", ru_phone), "zh_phone": ("PHONE_NUMBER", zh_phone),
    "inn": ("RU_INN", inn12), "inn10": ("RU_INN", inn10), "snils": ("RU_SNILS", snils),
    "ric": ("CN_RESIDENT_ID", ric),
    "full": ("PERSON", lambda r: r.choice(RU_FULL)),
    "fl": ("PERSON", lambda r: r.choice(RU_FIRST_LAST)),
    "nom": ("PERSON", lambda r: r.choice(RU_FIRST)[0]),
    "gen": ("PERSON", lambda r: r.choice(RU_FIRST)[1]),
    "dat": ("PERSON", lambda r: r.choice(RU_FIRST)[2]),
    "acc": ("PERSON", lambda r: r.choice(RU_FIRST)[3]),
    "ins": ("PERSON", lambda r: r.choice(RU_FIRST)[4]),
    "sdat": ("PERSON", lambda r: r.choice(RU_SURNAME_DAT)),
    "zname": ("PERSON", lambda r: r.choice(ZH_FULL)),
    "zsur": ("PERSON", lambda r: r.choice(ZH_SURNAME)),
    # not PII: look-alikes
    "bad_inn": (None, bad(inn12)), "bad_inn10": (None, bad(inn10)),
    "bad_snils": (None, bad(snils)), "bad_ric": (None, bad(ric)),
    "order8": (None, order(8)), "order10": (None, order(10)), "order11": (None, order(11)),
    "order12": (None, order(12)), "order16": (None, order(16)),
    "code6": (None, order(6)), "amount": (None, lambda r: str(r.randint(120, 98000))),
    "ean": (None, lambda r: "460" + _digits(r, 10, "0123456789")),
    "track": (None, lambda r: "RA" + _digits(r, 9) + "RU"),
    "sf": (None, lambda r: "SF" + _digits(r, 13)),
    "day": (None, lambda r: str(r.randint(1, 28))), "month": (None, lambda r: str(r.randint(1, 12))),
    "year": (None, lambda r: str(r.randint(2022, 2026))),
    "zh_mobile_order": (None, lambda r: "13" + _digits(r, 9, "0123456789")),
}

# ---------------------------------------------------------------- templates
# (split, id prefix, template); {slot} is filled from FILLERS.

RU = [
    ("tune", "phone", "Курьер так и не приехал, хотя я оставила номер {ru_phone}. Заказ {order10} висит третий день."),
    ("test", "phone", "Перезвоните мне, пожалуйста, по номеру {ru_phone}, вопрос по списанию {amount} руб."),
    ("tune", "phone", "Оператор обещала перезвонить на {ru_phone} до обеда, никто не позвонил."),
    ("test", "phone", "мой телефон {ru_phone}, жду ответа по заявке {order8}"),
    ("tune", "phone", "С номера {ru_phone} мне звонят якобы из банка и просят код из СМС!"),
    ("test", "phone", "Интернет не работает с {day}.{month}.{year}, контактный номер {ru_phone}."),
    ("tune", "phone", "Тел.{ru_phone}, доставку перенесли уже два раза"),
    ("test", "phone", "Прошу связаться со мной: {ru_phone} (после 18:00)."),
    ("tune", "inn", "Для возврата налога указала ИНН {inn}, но банк его не принял."),
    ("test", "inn", "ИНН: {inn}. Почему до сих пор не пришла справка?"),
    ("tune", "inn", "Мой ИНН {inn}, проверьте, пожалуйста, почему заблокировали карту."),
    ("test", "inn", "В анкете всё заполнено, ИНН {inn}, паспорт приложила, а кредит не одобряют."),
    ("tune", "inn", "ИНН организации {inn10}, счёт на оплату так и не выставили."),
    ("test", "inn", "Подключали корпоративный тариф на ИНН {inn10}, а пришёл счёт как физлицу."),
    ("tune", "snils", "СНИЛС {snils}, данные в Госуслугах не совпадают с банком."),
    ("test", "snils", "При оформлении зарплатной карты попросили СНИЛС, я дала {snils}, теперь звонят мошенники."),
    ("tune", "snils", "Номер СНИЛС: {snils}. Прошу исправить ошибку в договоре."),
    ("test", "snils", "указал снилс {snils} а в личном кабинете пусто"),
    ("tune", "person", "Оператор {full} была очень груба и бросила трубку."),
    ("test", "person", "Огромное спасибо менеджеру {sdat} за помощь с переводом!"),
    ("tune", "person", "Курьер {nom} опоздал на три часа и даже не извинился."),
    ("test", "person", "Хочу поблагодарить {acc} из отделения на Тверской, всё решила за 10 минут."),
    ("tune", "person", "Меня зовут {fl}, третий раз пишу про двойное списание."),
    ("test", "person", "Разговаривала с {ins}, она обещала вернуть деньги до пятницы."),
    ("tune", "person", "Передайте {dat}, что роутер так и не заработал."),
    ("test", "person", "Жалоба на сотрудника {gen}: нахамил и отказался принять заявление."),
    ("tune", "person", "Клиент {full} просит перезвонить по поводу реструктуризации."),
    ("test", "person", "Владелец карты {full}, карта заблокирована без причины."),
    ("tune", "mixed", "Меня зовут {fl}, телефон {ru_phone}, ИНН {inn}. Верните деньги за неоказанную услугу."),
    ("test", "mixed", "Абонент {full}, номер {ru_phone}. Списали {amount} руб. за подписку, которую я не подключал."),
    ("tune", "mixed", "Звонил мастер {nom} с номера {ru_phone}, сказал, что приедет завтра."),
    ("test", "mixed", "Спасибо {dat}! Она помогла восстановить доступ, теперь СНИЛС {snils} привязан."),
    ("tune", "neg", "Заказ № {order10} должен был прийти {day}.{month}.{year}, но его до сих пор нет."),
    ("test", "neg", "Списали {amount} руб. дважды, номер операции {order12}."),
    ("tune", "neg", "Трек-номер {track}, посылка стоит на сортировке неделю."),
    ("test", "neg", "Артикул {ean}, пришёл не тот размер, оформите возврат."),
    ("tune", "neg", "По договору № {order11} тариф повысили без предупреждения."),
    ("test", "neg", "Код из СМС {code6} не приходит, войти в приложение невозможно."),
    ("tune", "neg", "ИНН {bad_inn} система не принимает, пишет «ошибка»."),
    ("test", "neg", "Номер обращения {order10}, ответа нет уже 14 дней, сумма {amount} руб."),
    ("tune", "neg", "Оплатила заказ {order12} на {amount} руб., деньги списались, а заказ отменён."),
    ("test", "neg", "СНИЛС {bad_snils} не проходит проверку на сайте, помогите."),
    ("tune", "neg", "Тариф «Безлимит 500» за {amount} руб. в месяц, скорость 100 Мбит/с — не соответствует."),
    ("test", "neg", "Банкомат на Ленина 15 съел карту, номер заявки {order8}."),
    ("test", "neg", "Платёж {order16} завис, поддержка отвечает шаблонами."),
    ("test", "neg", "ИНН организации {bad_inn10}, счёт-фактура с ошибкой."),
]

ZH = [
    ("tune", "phone", "快递一直没送到，我留的电话是{zh_phone}，订单号{order12}。"),
    ("test", "phone", "请尽快联系我{zh_phone}，退款到现在还没到账。"),
    ("tune", "phone", "客服说会回电{zh_phone}，等了两天都没人打。"),
    ("test", "phone", "手机号{zh_phone}，宽带装了三次都装不上"),
    ("tune", "phone", "收到{zh_phone}打来的电话，说是银行的，让我转账，是不是诈骗？"),
    ("test", "phone", "麻烦骑手到了打我电话：{zh_phone}，小区门口进不去。"),
    ("tune", "phone", "联系方式：{zh_phone}（白天）"),
    ("test", "phone", "我的号码是{zh_phone}，这个月话费多扣了{amount}元。"),
    ("tune", "ric", "身份证号{ric}，实名认证一直失败。"),
    ("test", "ric", "开户的时候填了身份证号码{ric}，现在说信息不符。"),
    ("tune", "ric", "我的身份证{ric}被别人拿去办了卡，请马上冻结！"),
    ("test", "ric", "证件号：{ric}，信用卡额度为什么被降了？"),
    ("tune", "ric", "办理携号转网需要身份证，我提供了{ric}，结果还是办不了。"),
    ("test", "ric", "身份证：{ric} 申请贷款被拒，原因都不说"),
    ("tune", "person", "快递员{zname}把包裹扔在门口就走了，东西都摔坏了。"),
    ("test", "person", "{zsur}师傅送餐很准时，态度也好，给五星！"),
    ("tune", "person", "客服{zsur}小姐态度非常差，直接挂我电话。"),
    ("test", "person", "感谢{zname}经理帮我处理了退款问题。"),
    ("tune", "person", "我叫{zname}，上周投诉的问题到现在还没解决。"),
    ("test", "person", "收件人：{zname}，地址写错了，麻烦改一下。"),
    ("tune", "person", "营业厅的{zsur}女士很耐心，帮我换了套餐。"),
    ("test", "person", "{zname}说会给我补发，结果一直没有消息。"),
    ("tune", "person", "客服小{zsur}说三天内到账，现在一周了。"),
    ("test", "person", "投诉外卖员{zname}，送餐迟到一个小时还偷吃。"),
    ("tune", "person", "大堂经理{zname}很热情，办业务很快。"),
    ("test", "person", "联系人{zname}，请安装师傅上门前先打电话。"),
    ("tune", "mixed", "我是{zname}，电话{zh_phone}，身份证号{ric}，请帮我查一下这张卡。"),
    ("test", "mixed", "收货人{zname}，手机{zh_phone}，快递三天都没更新物流。"),
    ("tune", "mixed", "{zsur}先生您好，您的号码{zh_phone}已经欠费{amount}元。"),
    ("test", "mixed", "持卡人{zname}，身份证{ric}，信用卡被盗刷{amount}元！"),
    ("tune", "neg", "订单号{order12}，{month}月{day}日下单到现在还没发货。"),
    ("test", "neg", "运单号{sf}，物流信息三天没更新了。"),
    ("tune", "neg", "这个月话费扣了{amount}元，套餐明明是59元的。"),
    ("test", "neg", "验证码{code6}一直收不到，没法登录。"),
    ("tune", "neg", "身份证号{bad_ric}系统提示无效，可是我没写错啊。"),
    ("test", "neg", "型号iPhone 15 Pro Max 256G，收到的是128G，要求退换。"),
    ("tune", "neg", "订单号：{zh_mobile_order}，退款{amount}元还没到账。"),
    ("test", "neg", "工单编号{order10}，宽带报修一周没人来。"),
    ("tune", "neg", "{year}年{month}月{day}日办理的业务，到现在还没生效。"),
    ("test", "neg", "外卖超时{day}分钟，饭都凉了，商家也不理人。"),
    ("tune", "neg", "王者荣耀充值{amount}元没到账，订单{order16}。"),
    ("test", "neg", "流水号{order12}，转账失败但钱扣了。"),
    ("test", "neg", "证件号{bad_ric}显示错误，请核实。"),
    ("test", "neg", "快递单号{zh_mobile_order}查不到物流，到底发没发？"),
]

INSTANCES = 4  # each template is written out this many times with new values


def fill(template: str, rng: random.Random) -> tuple[str, list[dict[str, object]]]:
    parts, entities, position = [], [], 0
    for match in re.finditer(r"\{(\w+)\}", template):
        parts.append(template[position:match.start()])
        kind, make = FILLERS[match.group(1)]
        value = make(rng)
        start = sum(len(p) for p in parts)
        parts.append(value)
        if kind:
            entities.append({"start": start, "end": start + len(value), "type": kind})
        position = match.end()
    parts.append(template[position:])
    return "".join(parts), entities


def build(language: str, seed: int = SEED) -> dict[str, list[dict[str, object]]]:
    rng = random.Random(f"{seed}-{language}")
    templates = RU if language == "ru" else ZH
    out: dict[str, list[dict[str, object]]] = {"tune": [], "test": []}
    counters: dict[str, int] = {}
    for split, prefix, template in templates:
        for _ in range(INSTANCES):
            text, entities = fill(template, rng)
            while not _clean(text, entities):
                text, entities = fill(template, rng)
            key = f"{split}-{prefix}"
            counters[key] = counters.get(key, 0) + 1
            row_id = f"{language}-{split}-{prefix}-{counters[key]:03d}"
            out[split].append({"id": row_id, "language": language, "text": text,
                               "entities": entities})
    return out


def _clean(text: str, entities: list[dict[str, object]]) -> bool:
    """No unlabelled digit run is a Luhn-valid card (the English rules would mask it)."""
    labelled = [(int(e["start"]), int(e["end"])) for e in entities]  # type: ignore[call-overload]
    for match in re.finditer(r"\d{13,19}", text):
        inside = any(a <= match.start() < b for a, b in labelled)
        if not inside and luhn(match.group()) and match.group()[0] in "23456":
            return False
    return True


def to_jsonl(rows: list[dict[str, object]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    stale = []
    for language in ("ru", "zh"):
        for split, rows in build(language).items():
            path = DATA / f"pii_eval_{language}_{split}.jsonl"
            text = to_jsonl(rows)
            if args.check:
                if not path.exists() or path.read_text(encoding="utf-8") != text:
                    stale.append(path.name)
            else:
                path.write_text(text, encoding="utf-8")
                print(f"{path}: {len(rows)} texts")
    if stale:
        sys.exit(f"stale: {', '.join(stale)}; run python benchmarks/make_pii_eval_lang.py")


if __name__ == "__main__":
    main()
