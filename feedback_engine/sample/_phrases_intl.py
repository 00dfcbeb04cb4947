"""Phrase banks for the Chinese, Russian and German slices of the sample corpus.

Data only, written for this project (no dataset text). ``languages`` decides which records
are in which language and renders them with these banks. The slices use a subset of the
English causes (``_phrases.CAUSES`` keys), so the ground truth stays one taxonomy.

Keyword sets at the top are a contract, as in ``_phrases``: in each language only the bank of
the planted cause uses its signal keywords (the tests check it), so a keyword share measured
on the files is the planted signal and nothing else.
"""

# ruff: noqa: E501 - phrase banks are data: long string lines read better unwrapped
from __future__ import annotations

LANGUAGES = ("zh", "ru", "de")
# The tag a source column declares (reviews carry ``locale``, as app-store exports do).
LOCALE = {"en": "en-GB", "zh": "zh-CN", "ru": "ru-RU", "de": "de-DE"}
NAMES = {"zh": "Chinese", "ru": "Russian", "de": "German"}

ZH_DELIVERY_KEYWORDS = ("配送慢", "快递太慢", "物流慢", "还没送到", "送货太慢", "迟迟没有发货")
RU_WAIT_KEYWORDS = ("долго ждал на линии", "оператор не отвечал", "висел на линии",
                    "ждала ответа оператора", "ожидание на линии")
DE_DOUBLE_KEYWORDS = ("doppelt abgebucht", "zweimal belastet", "zweimal abgebucht",
                      "doppelte Abbuchung")

# cause -> base weight of the cause in each language's slice (the planted signals multiply
# these in generator-chosen weeks; see languages.weights).
WEIGHTS = {
    "billing.double_charge": {"zh": 4.0, "ru": 4.0, "de": 5.0},
    "billing.wrong_amount": {"zh": 4.0, "ru": 5.0, "de": 6.0},
    "delivery.late": {"zh": 6.0, "ru": 5.0, "de": 4.0},
    "technical_fault.outage": {"zh": 6.0, "ru": 6.0, "de": 7.0},
    "technical_fault.slow_speed": {"zh": 7.0, "ru": 6.0, "de": 6.0},
    "wait_time.long_hold": {"zh": 4.0, "ru": 5.0, "de": 4.0},
    "agent_behaviour.rude": {"zh": 2.0, "ru": 3.0, "de": 2.0},
    "agent_behaviour.unhelpful": {"zh": 3.0, "ru": 3.0, "de": 3.0},
    "pricing.price_increase": {"zh": 4.0, "ru": 4.0, "de": 5.0},
    "agent_behaviour.excellent_help": {"zh": 9.0, "ru": 8.0, "de": 8.0},
    "praise.general": {"zh": 8.0, "ru": 6.0, "de": 7.0},
    "neutral.plan_change": {"zh": 4.0, "ru": 4.0, "de": 4.0},
}

# language -> cause -> {"cust": first sentences, "detail": elaboration, "title": review titles}
BANKS: dict[str, dict[str, dict[str, list[str]]]] = {
    "zh": {
        "billing.double_charge": {
            "cust": ["这个月的话费被扣了两次，一共多扣了{amount}。",
                     "同一张账单扣了我两次钱，请尽快退款。",
                     "银行卡上显示重复扣费，两笔一模一样的金额。",
                     "我明明只交了一次费，结果被扣了两笔。"],
            "detail": ["我已经截图了银行流水。", "客服说要等七个工作日才能退回。",
                       "这已经不是第一次出现重复扣款了。"],
            "title": ["重复扣费", "被扣两次钱"]},
        "billing.wrong_amount": {
            "cust": ["账单金额不对，比套餐价格多了{amount}。", "这个月的账单莫名其妙多了一笔费用。",
                     "收费和当初说好的不一样，账单算错了。", "账单上有一项我从来没有开通过的服务费。"],
            "detail": ["没有人提前通知我。", "我要求给我一份详细的收费清单。"],
            "title": ["账单有误", "乱收费"]},
        "delivery.late": {
            "cust": ["路由器等了一个星期还没送到，快递太慢了。", "物流慢得离谱，说好三天到，现在已经第十天了。",
                     "配送慢，新的SIM卡等了一个小时还没送到，快递员也联系不上。",
                     "下单两周了还没送到，物流信息一直不更新。", "送货太慢了，机顶盒到现在都没收到。",
                     "迟迟没有发货，问客服也只说在处理。"],
            "detail": ["我请了半天假在家等快递。", "物流单号查不到任何信息。",
                       "客服一直说明天到，结果还是没有。", "没有网用，在家办公非常不方便。"],
            "title": ["物流慢", "快递太慢了", "一直没送到"]},
        "technical_fault.outage": {
            "cust": ["家里宽带断网三天了，一直没人来修。", "从昨天晚上开始完全上不了网。",
                     "电视和网络同时没有信号。", "又断网了，这个月已经第三次了。"],
            "detail": ["重启路由器也没有用。", "维修人员说要等到下周。", "孩子上网课都受影响了。"],
            "title": ["经常断网", "没有网络"]},
        "technical_fault.slow_speed": {
            "cust": ["网速特别慢，视频都卡得看不了。", "办的是五百兆的宽带，实际只有几十兆。",
                     "晚上网速慢得像蜗牛一样。", "网络延迟很高，打游戏根本不行。"],
            "detail": ["测速好几次都一样。", "换了网线也没有改善。"],
            "title": ["网速太慢", "宽带不达标"]},
        "wait_time.long_hold": {
            "cust": ["打客服电话排队排了四十分钟。", "人工客服一直占线，根本打不进去。",
                     "在线客服等了半天都没人回复。"],
            "detail": ["等到最后电话还被挂断了。", "语音菜单绕来绕去找不到人工。"],
            "title": ["客服难打通", "排队太久"]},
        "agent_behaviour.rude": {
            "cust": ["客服态度非常差，说话很不耐烦。", "接电话的客服很没礼貌，还挂我电话。",
                     "工作人员对我大声说话，感觉被冒犯了。"],
            "detail": ["我要投诉这位客服。", "问了几个问题就开始不耐烦。"],
            "title": ["服务态度差", "客服没礼貌"]},
        "agent_behaviour.unhelpful": {
            "cust": ["客服根本解决不了问题，只会让我重启。", "问了三个客服，每个人说法都不一样。",
                     "客服一直在推卸责任，什么都没解决。"],
            "detail": ["说会回电话，结果没有人打过来。", "只是在照着模板念。"],
            "title": ["问题没解决", "客服没用"]},
        "pricing.price_increase": {
            "cust": ["套餐突然涨价了，也没有提前通知。", "续约以后每个月贵了不少。",
                     "价格涨得太多了，考虑换运营商。"],
            "detail": ["别家同样的套餐便宜很多。", "涨价前一条短信都没有。"],
            "title": ["涨价太多", "越来越贵"]},
        "agent_behaviour.excellent_help": {
            "cust": ["客服{agent_name}非常耐心，很快帮我解决了问题。", "工作人员很专业，服务态度也很好。",
                     "客服讲解得很清楚，一次就处理好了。", "非常感谢客服的帮助，效率很高。"],
            "detail": ["还主动帮我检查了其他设置。", "整个过程不到十分钟。"],
            "title": ["服务很好", "客服很专业"]},
        "praise.general": {
            "cust": ["网络一直很稳定，很满意。", "用了好几年了，总体来说不错。",
                     "信号很好，价格也合理。", "安装很快，网速也快，推荐。"],
            "detail": ["家里人都觉得好用。", "会继续续约。"],
            "title": ["很满意", "值得推荐", "好评"]},
        "neutral.plan_change": {
            "cust": ["我想把套餐换成流量更多的那种。", "请问怎么升级到更快的宽带套餐？",
                     "想咨询一下换套餐需要多长时间生效。"],
            "detail": ["合约下个月到期。", "主要是家里用流量比较多。"],
            "title": ["咨询换套餐", "套餐变更"]},
    },
    "ru": {
        "billing.double_charge": {
            "cust": ["С карты дважды списали оплату за один и тот же месяц.",
                     "Мне выставили счёт два раза, деньги списали повторно.",
                     "Двойное списание за интернет, прошу вернуть {amount}."],
            "detail": ["Выписку из банка могу прислать.", "Обещали вернуть, но пока ничего нет."],
            "title": ["Двойное списание", "Списали два раза"]},
        "billing.wrong_amount": {
            "cust": ["В счёте неправильная сумма, на {amount} больше, чем по тарифу.",
                     "Начислили какую-то непонятную плату, которую я не подключал.",
                     "Счёт за этот месяц выставлен с ошибкой."],
            "detail": ["Никто не смог объяснить, откуда эта сумма.", "Прошу сделать перерасчёт."],
            "title": ["Ошибка в счёте", "Лишние начисления"]},
        "delivery.late": {
            "cust": ["Доставка задержалась уже на неделю, роутер так и не привезли.",
                     "Курьер опоздал на четыре часа и даже не позвонил.",
                     "Сим-карту обещали доставить за два дня, прошло десять."],
            "detail": ["Трек-номер не отслеживается.", "Пришлось отпрашиваться с работы зря."],
            "title": ["Доставка задержалась", "Курьер опоздал"]},
        "technical_fault.outage": {
            "cust": ["Третий день нет интернета, мастер так и не пришёл.",
                     "Со вчерашнего вечера полностью пропала связь.",
                     "Интернет отключается каждый вечер."],
            "detail": ["Перезагрузка роутера не помогает.", "Работаю из дома, это катастрофа."],
            "title": ["Нет интернета", "Постоянные обрывы"]},
        "technical_fault.slow_speed": {
            "cust": ["Скорость интернета очень низкая, видео постоянно зависает.",
                     "Плачу за сто мегабит, а получаю в лучшем случае десять.",
                     "Вечером интернет еле работает."],
            "detail": ["Замерял скорость несколько раз.", "Кабель уже менял, без толку."],
            "title": ["Низкая скорость", "Медленный интернет"]},
        "wait_time.long_hold": {
            "cust": ["Долго ждал на линии, больше сорока минут, и никто не ответил.",
                     "Звонил в поддержку три раза, оператор не отвечал.",
                     "Полчаса висел на линии под музыку, потом звонок сбросился.",
                     "Ожидание на линии просто бесконечное, дозвониться невозможно.",
                     "Целый час ждала ответа оператора в чате."],
            "detail": ["Автоответчик каждый раз говорит, что я пятнадцатый в очереди.",
                       "Пришлось перезванивать с рабочего телефона.",
                       "Раньше дозвониться было гораздо проще."],
            "title": ["Невозможно дозвониться", "Очень долгое ожидание"]},
        "agent_behaviour.rude": {
            "cust": ["Оператор разговаривал грубо и бросил трубку.",
                     "Сотрудник поддержки хамил и перебивал меня.",
                     "Очень неприятное общение, оператор повысил голос."],
            "detail": ["Хочу подать жалобу на этого сотрудника.", "Так с клиентами не разговаривают."],
            "title": ["Хамство операторов", "Грубая поддержка"]},
        "agent_behaviour.unhelpful": {
            "cust": ["Поддержка ничем не помогла, только советовали перезагрузить роутер.",
                     "Каждый сотрудник говорит разное, проблему так и не решили.",
                     "Обещали перезвонить и не перезвонили."],
            "detail": ["Заявку закрыли без моего согласия.", "Отвечают по шаблону."],
            "title": ["Бесполезная поддержка", "Проблема не решена"]},
        "pricing.price_increase": {
            "cust": ["Тариф подорожал без всякого предупреждения.",
                     "Цены растут каждые полгода, это уже слишком.",
                     "После продления договора стало заметно дороже."],
            "detail": ["У других провайдеров дешевле.", "Думаю сменить оператора."],
            "title": ["Подорожание тарифа", "Слишком дорого"]},
        "agent_behaviour.excellent_help": {
            "cust": ["Оператор {agent_name} очень вежливо и быстро решил мой вопрос.",
                     "Спасибо сотруднику поддержки, всё объяснил понятно.",
                     "Отличная работа поддержки, проблему решили за пять минут."],
            "detail": ["Даже перезвонили, чтобы убедиться, что всё работает.", "Приятно удивлён."],
            "title": ["Отличная поддержка", "Спасибо за помощь"]},
        "praise.general": {
            "cust": ["Интернет работает стабильно, всем доволен.",
                     "Пользуюсь уже несколько лет, связь хорошая.",
                     "Хорошее соотношение цены и качества."],
            "detail": ["Рекомендую друзьям.", "Подключили быстро."],
            "title": ["Всё отлично", "Рекомендую"]},
        "neutral.plan_change": {
            "cust": ["Хочу перейти на тариф с большим объёмом трафика.",
                     "Подскажите, как поменять тариф на более быстрый?",
                     "Интересует, с какого числа начнёт действовать новый тариф."],
            "detail": ["Договор заканчивается в следующем месяце.", "Дома стало больше устройств."],
            "title": ["Смена тарифа", "Вопрос по тарифу"]},
    },
    "de": {
        "billing.double_charge": {
            "cust": ["Mir wurde die Monatsrechnung doppelt abgebucht.",
                     "Mein Konto wurde zweimal belastet, beide Male mit {amount}.",
                     "Der Betrag wurde zweimal abgebucht, obwohl ich nur einen Vertrag habe.",
                     "Schon wieder eine doppelte Abbuchung, bitte erstatten Sie das sofort.",
                     "Für denselben Monat wurde ich zweimal belastet."],
            "detail": ["Den Kontoauszug kann ich gern schicken.",
                       "Jetzt ist mein Konto im Minus.",
                       "Die Hotline hat mir eine Erstattung versprochen, passiert ist nichts."],
            "title": ["Doppelt abgebucht", "Zweimal belastet"]},
        "billing.wrong_amount": {
            "cust": ["Die Rechnung ist falsch, sie ist {amount} höher als mein Tarif.",
                     "Auf der Rechnung steht eine Gebühr, die ich nie gebucht habe.",
                     "Rechnung falsch, schon den zweiten Monat in Folge."],
            "detail": ["Niemand konnte mir den Betrag erklären.", "Ich bitte um eine Korrektur."],
            "title": ["Rechnung falsch", "Unerklärliche Gebühren"]},
        "delivery.late": {
            "cust": ["Der Router ist nach zwei Wochen immer noch nicht angekommen.",
                     "Die Lieferung der SIM-Karte verzögert sich seit Tagen.",
                     "Der Paketdienst kam einfach nicht, obwohl ich den ganzen Tag zu Hause war."],
            "detail": ["Die Sendungsverfolgung zeigt seit Tagen nichts Neues.",
                       "Ich habe extra Urlaub genommen."],
            "title": ["Lieferung verspätet", "Warte immer noch"]},
        "technical_fault.outage": {
            "cust": ["Seit drei Tagen kein Internet, und kein Techniker meldet sich.",
                     "Das Internet fällt jeden Abend komplett aus.",
                     "Totalausfall bei Internet und Telefon seit gestern."],
            "detail": ["Router neu starten bringt nichts.", "Ich arbeite im Homeoffice, das geht so nicht."],
            "title": ["Ständige Ausfälle", "Kein Internet"]},
        "technical_fault.slow_speed": {
            "cust": ["Die Geschwindigkeit ist viel zu langsam, Videos ruckeln ständig.",
                     "Ich zahle für 250 Mbit und bekomme gerade mal 20.",
                     "Abends ist das Internet extrem langsam."],
            "detail": ["Speedtests zeigen immer das Gleiche.", "Ein neues Kabel hat nichts geändert."],
            "title": ["Zu langsam", "Bandbreite stimmt nicht"]},
        "wait_time.long_hold": {
            "cust": ["Ich hing fünfundvierzig Minuten in der Warteschleife.",
                     "Bei der Hotline kommt man einfach nicht durch.",
                     "Im Chat habe ich eine Stunde auf eine Antwort gewartet."],
            "detail": ["Danach wurde das Gespräch einfach getrennt.", "Die Ansage wiederholt sich endlos."],
            "title": ["Endlose Warteschleife", "Hotline nicht erreichbar"]},
        "agent_behaviour.rude": {
            "cust": ["Der Mitarbeiter an der Hotline war unhöflich und hat einfach aufgelegt.",
                     "Ich wurde am Telefon angeschnauzt.",
                     "Sehr unfreundlicher Kundenservice, man fühlt sich nicht ernst genommen."],
            "detail": ["Ich möchte mich offiziell beschweren.", "So geht man nicht mit Kunden um."],
            "title": ["Unfreundlicher Service", "Unverschämt"]},
        "agent_behaviour.unhelpful": {
            "cust": ["Der Kundenservice konnte mir überhaupt nicht helfen.",
                     "Jeder Mitarbeiter erzählt etwas anderes, gelöst ist nichts.",
                     "Mir wurde ein Rückruf versprochen, der nie kam."],
            "detail": ["Das Ticket wurde ohne Lösung geschlossen.", "Nur Standardantworten."],
            "title": ["Keine Hilfe", "Problem nicht gelöst"]},
        "pricing.price_increase": {
            "cust": ["Der Tarif wurde ohne Ankündigung teurer.",
                     "Schon wieder eine Preiserhöhung, das ist zu viel.",
                     "Nach der Vertragsverlängerung zahle ich deutlich mehr."],
            "detail": ["Andere Anbieter sind günstiger.", "Ich überlege zu kündigen."],
            "title": ["Preiserhöhung", "Zu teuer"]},
        "agent_behaviour.excellent_help": {
            "cust": ["{agent_name} von der Hotline hat mir sehr freundlich und schnell geholfen.",
                     "Super Kundenservice, das Problem war in fünf Minuten gelöst.",
                     "Vielen Dank an den Mitarbeiter, alles verständlich erklärt."],
            "detail": ["Er hat sogar noch einmal zurückgerufen.", "So stelle ich mir Service vor."],
            "title": ["Toller Service", "Sehr hilfsbereit"]},
        "praise.general": {
            "cust": ["Das Internet läuft stabil, ich bin sehr zufrieden.",
                     "Seit Jahren Kunde und immer zufrieden.",
                     "Gutes Preis-Leistungs-Verhältnis und schneller Anschluss."],
            "detail": ["Kann ich weiterempfehlen.", "Die Installation ging schnell."],
            "title": ["Sehr zufrieden", "Empfehlenswert"]},
        "neutral.plan_change": {
            "cust": ["Ich möchte in einen Tarif mit mehr Datenvolumen wechseln.",
                     "Wie kann ich auf einen schnelleren Tarif umsteigen?",
                     "Ab wann gilt der neue Tarif, wenn ich heute wechsle?"],
            "detail": ["Mein Vertrag läuft nächsten Monat aus.", "Wir haben jetzt mehr Geräte im Haushalt."],
            "title": ["Tarifwechsel", "Frage zum Tarif"]},
    },
}

# language -> sentiment -> closing lines; short reviews are what the locale column is for.
EMOTION = {
    "zh": {"neg": ["太失望了。", "非常不满意！", "再这样我就换运营商了。"],
           "neu": ["希望尽快回复。", "谢谢。"], "pos": ["非常满意！", "点赞！", "谢谢！"]},
    "ru": {"neg": ["Очень разочарован.", "Это просто безобразие!", "Буду менять провайдера."],
           "neu": ["Жду ответа.", "Спасибо."], "pos": ["Большое спасибо!", "Очень доволен!"]},
    "de": {"neg": ["Absolut enttäuschend.", "So nicht!", "Ich überlege ernsthaft zu kündigen."],
           "neu": ["Danke im Voraus.", "Ich bitte um Rückmeldung."],
           "pos": ["Vielen Dank!", "Weiter so!"]},
}
RESOLVED = {"zh": ["不过最后问题解决了。"], "ru": ["В итоге всё-таки решили."],
            "de": ["Am Ende wurde es dann doch gelöst."]}
UNRESOLVED = {"zh": ["到现在还没解决。"], "ru": ["До сих пор не решено."],
              "de": ["Bis heute ist nichts passiert."]}
SHORT_REVIEWS = {  # texts too short to detect: the review's locale decides
    "de": {"neg": ["Mies.", "Nie wieder!"], "neu": ["Okay.", "Geht so."], "pos": ["Super!", "Top!"]},
    "ru": {"neg": ["Ужас."], "neu": ["Нормально."], "pos": ["Супер!"]},
    "zh": {"neg": ["差评"], "neu": ["一般"], "pos": ["很好"]},
}
GREETINGS = {"zh": ["您好，", "客服你好：", ""], "ru": ["Здравствуйте!", "Добрый день.", ""],
             "de": ["Sehr geehrte Damen und Herren,", "Hallo,", "Guten Tag,"]}
REQUESTS = {
    "zh": {"neg": ["请尽快处理并给我回电话。", "我要求退款。"], "neu": ["麻烦回复一下，谢谢。"],
           "pos": [""]},
    "ru": {"neg": ["Прошу разобраться и перезвонить мне.", "Требую вернуть деньги."],
           "neu": ["Буду благодарен за ответ."], "pos": [""]},
    "de": {"neg": ["Bitte rufen Sie mich umgehend zurück.", "Ich erwarte eine Erstattung."],
           "neu": ["Über eine kurze Antwort würde ich mich freuen."], "pos": [""]},
}
CUSTOMER_NAMES = {
    "zh": ["王伟", "李娜", "张敏", "刘洋", "陈静", "杨帆", "赵磊", "黄丽"],
    "ru": ["Ирина Соколова", "Дмитрий Иванов", "Ольга Смирнова", "Алексей Кузнецов",
           "Наталья Попова", "Сергей Волков"],
    "de": ["Jürgen Becker", "Sabine Müller", "Thomas Schneider", "Katrin Fischer",
           "Stefan Weber", "Monika Wagner"],
}
SIGNOFFS = {"zh": ["谢谢！\n{name}", "{name}"], "ru": ["С уважением,\n{name}", "{name}"],
            "de": ["Mit freundlichen Grüßen\n{name}", "Viele Grüße\n{name}"]}
SUBJECTS = {"zh": "投诉：{title}", "ru": "Жалоба: {title}", "de": "Beschwerde: {title}"}
SUBJECTS_OTHER = {"zh": "咨询：{title}", "ru": "Вопрос: {title}", "de": "Anfrage: {title}"}

SIGNAL_TEXT = {
    "zh_delivery_delay_spike": "In the Chinese slice, late-delivery complaints (快递太慢, 物流慢 "
                               "…) jump to several times their usual share in the last week: "
                               "that language's top emerging issue.",
    "ru_wait_time_rising": "In the Russian slice, long-hold complaints (долго ждал на линии, "
                           "оператор не отвечал …) rise over the last four weeks and jump in "
                           "the last one.",
    "de_double_charge_spike": "In the German slice, double-charge complaints (doppelt "
                              "abgebucht, zweimal belastet …) jump in the last week.",
}
SIGNAL_KEYWORDS = {"zh_delivery_delay_spike": list(ZH_DELIVERY_KEYWORDS),
                   "ru_wait_time_rising": list(RU_WAIT_KEYWORDS),
                   "de_double_charge_spike": list(DE_DOUBLE_KEYWORDS)}
