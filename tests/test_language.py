"""Languages and scripts: word units in any script, language identification, character-level
tokens for scripts without spaces, and a guard that judges a policy in any language."""

from __future__ import annotations

from monitor.diff import compare
from monitor.document import Document, DocumentBuilder
from monitor.guard import assess, capture_problem, language_change
from monitor.language import detect, word_units
from monitor.tokens import split_sentences, tokenize_block

# Fictional policies, written for these tests (a made-up company, "Kiriyama Cloud" / "Lanshan").
JA = {
    "1. 事業者": "キリヤマクラウド株式会社は、本サービスにおける個人情報の取扱いについて責任を負います。",
    "2. 取得する情報": "当社は、氏名、メールアドレス、請求先住所およびサービスの利用履歴を取得します。",
    "3. 利用目的": "当社は、取得した情報をサービスの提供、料金の請求、お問い合わせへの回答のために利用します。",
    "4. 第三者提供": "当社は、法令に基づく場合を除き、本人の同意なく個人情報を第三者に提供しません。",
    "5. 保存期間": "当社は、利用履歴を収集日から12か月間保存し、その後は速やかに削除します。",
    "6. お問い合わせ": "個人情報に関するお問い合わせは、サポート窓口までメールでご連絡ください。",
}
ZH_HANS = {
    "一、我们是谁": "蓝山云科技有限公司负责处理本服务中的个人信息，并对这些信息的安全承担责任。",
    "二、我们收集的信息": "我们收集您的姓名、电子邮件地址、账单地址以及您使用服务时产生的记录。",
    "三、信息的使用": "我们使用这些信息来提供服务、向您收费、回答您的问题并保护服务的安全。",
    "四、信息的共享": "除法律要求外，我们不会在未经您同意的情况下向第三方提供您的个人信息。",
    "五、保存期限": "我们将使用记录自收集之日起保存十二个月，之后会及时删除这些记录。",
}
ZH_HANT = {
    "一、我們是誰": "藍山雲科技有限公司負責處理本服務中的個人資料，並對這些資料的安全承擔責任。",
    "二、我們收集的資料": "我們收集您的姓名、電子郵件地址、帳單地址以及您使用服務時產生的記錄。",
    "三、資料的使用": "我們使用這些資料來提供服務、向您收費、回答您的問題並保護服務的安全。",
    "四、資料的共享": "除法律要求外，我們不會在未經您同意的情況下向第三方提供您的個人資料。",
    "五、保存期限": "我們將使用記錄自收集之日起保存十二個月，之後會及時刪除這些記錄。",
}
EN = {
    "Who we are": "Kiriyama Cloud Ltd is responsible for the personal data handled in this service and keeps it safe.",
    "What we collect": "We collect your name, e-mail address, billing address and a record of how you use the service.",
    "How we use it": "We use this information to provide the service, bill you, answer your questions and keep it secure.",
    "Sharing": "We do not give your personal data to third parties without your consent unless the law requires it.",
    "Retention": "We keep usage records for 12 months from the day they are collected and then delete them promptly.",
}
DE = {
    "Wer wir sind": "Die Kiriyama Cloud GmbH ist für die personenbezogenen Daten in diesem Dienst verantwortlich.",
    "Was wir erheben": "Wir erheben Ihren Namen, Ihre E-Mail-Adresse, Ihre Rechnungsadresse und Nutzungsprotokolle.",
    "Wofür wir sie nutzen": "Wir nutzen diese Angaben, um den Dienst zu erbringen, abzurechnen und Fragen zu beantworten.",
    "Weitergabe": "Wir geben Ihre Daten ohne Ihre Einwilligung nicht an Dritte weiter, außer das Gesetz verlangt es.",
    "Speicherdauer": "Wir speichern Nutzungsprotokolle zwölf Monate ab ihrer Erhebung und löschen sie danach umgehend.",
}
# Languages whose words the guard's vocabulary does not know: it must not refuse them.
EL = {
    "Ποιοι είμαστε": "Η εταιρεία Κιριγιάμα Κλάουντ είναι υπεύθυνη για τα στοιχεία που επεξεργάζεται αυτή η υπηρεσία.",
    "Τι συλλέγουμε": "Συλλέγουμε το όνομά σας, τη διεύθυνση ηλεκτρονικού ταχυδρομείου και τη διεύθυνση χρέωσης.",
    "Πώς τα χρησιμοποιούμε": "Χρησιμοποιούμε αυτά τα στοιχεία για να παρέχουμε την υπηρεσία και να σας χρεώνουμε.",
    "Διατήρηση": "Κρατάμε τα αρχεία χρήσης για δώδεκα μήνες από τη συλλογή τους και στη συνέχεια τα διαγράφουμε.",
}
TH = {
    "ผู้ให้บริการ": "บริษัท คิริยามะ คลาวด์ จำกัด เป็นผู้รับผิดชอบข้อมูลที่ใช้ในบริการนี้ และดูแลให้ข้อมูลปลอดภัย",
    "ข้อมูลที่เราเก็บ": "เราเก็บชื่อ ที่อยู่อีเมล ที่อยู่สำหรับออกใบแจ้งหนี้ และบันทึกการใช้บริการของคุณ",
    "การใช้ข้อมูล": "เราใช้ข้อมูลเหล่านี้เพื่อให้บริการ เรียกเก็บเงิน และตอบคำถามของคุณ",
    "ระยะเวลาการเก็บรักษา": "เราเก็บบันทึกการใช้งานเป็นเวลาสิบสองเดือนนับจากวันที่เก็บ แล้วจึงลบทิ้ง",
}


def build(sections: dict[str, str], title: str = "") -> Document:
    b = DocumentBuilder()
    for heading, text in sections.items():
        b.heading(heading, 2)
        b.block("p", text)
    return b.build(title)


def test_word_units_count_unspaced_scripts_by_characters():
    assert word_units("We keep it for 24 months.") == 6
    # 2 Han/kana characters make a unit; a run of odd length rounds up; digits between them count.
    assert word_units("保存します") == 3
    assert word_units("24か月間保存します") == 1 + 4  # "24", then 8 characters
    assert word_units("个人信息") == 2
    assert word_units("ภาษาไทยง่าย") == 3  # 11 Thai letters, 4 a unit
    assert word_units("Kiriyama クラウド Ltd") == 4
    assert word_units("") == 0
    # A Japanese policy of a few hundred characters is a few hundred words, not a handful.
    ja = build(JA)
    assert len(ja.text.split()) < 20 and 100 <= ja.word_count <= 200
    assert build(EN).word_count == len(build(EN).text.split())


def test_detect_languages_and_chinese_script():
    assert build(EN).language == "en"
    assert build(DE).language == "de"
    assert build(JA).language == "ja"
    assert build(ZH_HANS).language == "zh-Hans"
    assert build(ZH_HANT).language == "zh-Hant"
    assert build(EL).language == "el"
    assert detect("Privacy") is None  # too short to say
    assert detect("") is None
    assert detect("1234 5678 !!! ---- " * 20) is None


def test_a_repeated_chrome_sentence_does_not_decide_the_language():
    b = DocumentBuilder()
    for _ in range(5):
        b.block("p", "Please enable JavaScript in your browser to view the content.")
    assert b.build("").language is None


def test_policies_in_any_language_are_policies():
    for sections in (JA, ZH_HANS, ZH_HANT, EN, DE, EL, TH):
        doc = build(sections, "")
        assert capture_problem(doc) is None, doc.language
        assert capture_problem(doc, doc) is None, doc.language


def test_gates_still_work_in_every_script():
    not_found = DocumentBuilder()
    not_found.heading("ページが見つかりません", 1)
    not_found.block("p", "お探しのページは移動または削除された可能性があります。")
    not_found.block("p", "トップページへ戻る")
    reason = capture_problem(not_found.build("ページが見つかりません"))
    assert reason is not None and reason.startswith("near-empty document")
    login = DocumentBuilder()
    login.block("p", "请登录后继续访问您的账户。如果您还没有账户，请先注册一个新的账户，然后再回到这里。")
    login.block("p", "忘记密码？请输入您的电子邮件地址，我们会向您发送一个重置密码的链接，请注意查收。")
    login.block("p", "登录即表示您同意我们的服务条款。")
    reason = capture_problem(login.build("登录"))
    assert reason is not None and "does not look like a policy page" in reason


def test_another_language_is_suspect_never_a_change():
    en, de = build(EN), build(DE)
    problem = assess(de, en)
    assert problem is not None and problem.relative and "en -> de" in problem.reason
    report = compare(en, de)
    assert report.suspect and not report.substantive
    # A locale variant of the same language (another script of Chinese) is a switch too.
    assert language_change(build(ZH_HANT), build(ZH_HANS)) == "zh-Hans -> zh-Hant"
    # The same language, edited, is an ordinary comparison.
    edited = build({**EN, "Retention": EN["Retention"].replace("12 months", "5 years")})
    assert assess(edited, en) is None
    assert compare(en, edited).substantive


def test_sentences_of_unspaced_scripts_split_at_their_full_stops():
    text = "当社は情報を取得します。利用履歴は12か月間保存します！本当ですか？はい。"
    assert split_sentences(text) == ["当社は情報を取得します。", "利用履歴は12か月間保存します！", "本当ですか？", "はい。"]
    assert split_sentences("我们不会出售。（注）我们会保存“数据”。") == ["我们不会出售。", "（注）我们会保存“数据”。"]
    # Latin-script splitting is unchanged.
    assert split_sentences("We keep it. E.g. invoices! Why? Tax.") == ["We keep it.", "E.g. invoices!", "Why?", "Tax."]


def test_tokens_of_unspaced_scripts_are_characters():
    bt = tokenize_block("利用履歴は、収集日から24か月間保存します。")
    keys = [w[1] for w in bt.words]
    assert keys[:5] == ["利", "用", "履", "歴", "は"]
    assert "24" in keys and "、" not in keys and "。" not in keys  # punctuation is not a word
    # Offsets point at the characters in the sentence.
    for text, _key, s_index, start, end in bt.words:
        assert bt.sentences[s_index][start:end] == text
    # Full-width digits are the same word as ASCII digits.
    assert [w[1] for w in tokenize_block("２４か月間").words][0] == "24"


def test_a_word_diff_finds_the_changed_characters_in_a_japanese_sentence():
    old = build(JA)
    new = build({**JA, "5. 保存期間": JA["5. 保存期間"].replace("12か月間", "5年間")})
    report = compare(old, new)
    assert not report.suspect
    (change,) = [c for c in report.changes if c.kind == "modified"]
    assert change.section == ["5. 保存期間"]
    assert "12か月間" in change.before and "5年間" in change.after
    assert report.substantive  # a number changed: never noise, whatever the category
    # Full-width digits alone are not a change.
    wide = build({**JA, "5. 保存期間": JA["5. 保存期間"].replace("12", "１２")})
    assert not compare(old, wide).substantive
