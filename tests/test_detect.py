import pytest

from bot.detect import detect


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("ቤት ጽሕፈት መዓስ ይኽፈት", "ti"),  # Ge'ez script is Tigrinya
        ("ቆጸራ", "ti"),
        ("دفتر کی باز است", "fa"),  # Persian-only letter ک / ی
        ("می‌خواهم وقت بگیرم", "fa"),
        ("دفتر باز است؟", "fa"),  # no Persian-only letter, but Persian words
        ("متى يفتح المكتب", "ar"),
        ("وين المكتب", "ar"),
        ("wann büro offen", "de"),  # learner German
        ("Ich brauche Hilfe mit einem Brief", "de"),
        ("when is the office open", "en"),
        ("I need help with a letter", "en"),
        ("mata yaftah al maktab", "ar"),  # Arabic in Latin letters
        ("wen el maktab", "ar"),
        ("baddi maw3ed", "ar"),
    ],
)
def test_text_decides_the_language(text, lang):
    assert detect(text).lang == lang


def test_arabizi_is_flagged_as_latin_arabic():
    found = detect("3ndi maktoob mn el jobcenter")
    assert found.lang == "ar" and found.latin_arabic


def test_platform_hint_decides_when_text_does_not():
    assert detect("ok", "fa").lang == "fa"
    assert detect("👍", "ti-ER").lang == "ti"
    assert detect("12345", None).lang is None


def test_text_beats_the_hint():
    assert detect("متى يفتح المكتب", "de").lang == "ar"
    assert detect("ቆጸራ", "en").lang == "ti"


def test_ambiguous_arabic_script_follows_a_persian_hint():
    # "مدرسه" is written alike in both languages: the hint decides.
    assert detect("مدرسه", "fa").lang == "fa"
    assert detect("مدرسه", None).lang == "ar"


def test_iraqi_arabic_with_persian_letters_stays_arabic():
    assert detect("شلون اگدر اروح للمكتب").lang == "ar"
    assert detect("ما بحكي الماني").lang == "ar"
    assert detect("وقت الفراغ شو في").lang == "ar"


def test_gaf_and_che_alone_do_not_make_arabic_persian():
    # Iraqi Arabic writes گ and چ with the Arabic ي and ك; only ی, ک, پ, ژ are Persian's own letters.
    for text in (
        "اكو واحد عدكم يحچي تركماني؟ عربيتي زينة",
        "موعد خالة أم عمر يوم الخميس الساعة 10 بس عدها طبيب نفس الوكت، تگدر تخليه؟",
        "زوجي وگع بالحمام وما دا يرد علي",
    ):
        assert detect(text).lang == "ar", text
    # Persian on an Arabic keyboard, with or without a چ, stays Persian.
    for text in ("چطور ميتونم بيام دفتر", "شماره تلفن", "آدرس لطفا"):
        assert detect(text).lang == "fa", text


def test_a_german_word_inside_tigrinya_keeps_it_tigrinya():
    for text in ("Ausländerbehörde መዓስ ይኽፈት", "Jobcenter Termin ኣለኒ", "wo ist ቤት ጽሕፈት"):
        found = detect(text)
        assert (found.lang, found.sure) == ("ti", True), text


def test_a_finglish_or_tigrinya_word_outweighs_a_loanword_but_alone_switches_nothing():
    for text, lang in [
        ("WhatsApp darid?", "fa"),
        ("motarjem baraye doktor darid?", "fa"),
        ("bzey termin kimetsie yikealo do?", "ti"),
        ("hausbesuch ab Mengede yikal do?", "ti"),
        ("sprecht ihr tigrinya", "de"),  # the language's name is a word of every language
        ("anyone there speaks tigrinya??", "en"),
    ]:
        assert detect(text).lang == lang, text
    assert not detect("WhatsApp darid?").sure and detect("motarjem baraye doktor darid?").sure


def test_three_words_in_arabic_script_outweigh_more_english_or_german_letters():
    # faq_blind_1207k: Persian with English and German words in between was taken for English.
    for text, lang in [
        ("Jobcenter Gelsenkirchen چه وقت باز است؟ my cousin lives there", "fa"),
        ("I have 8 years experience as interpreter. میتانم اینجه Dolmetscher کار کنم؟ certificate دارم", "fa"),
        ("wo genau ist euer Büro in Hörde؟ قريب من Phoenix-See ولا من الـ Bahnhof؟", "ar"),
        ("Mein Name ist محمد, wann ist das Büro offen?", "de"),  # one word in Arabic script: a name
    ]:
        assert detect(text).lang == lang, text


def test_more_everyday_latin_letter_words():
    # faq_blind_1207k: Tigrinya with English words, a Finglish joke request and a two-word English note.
    for text, lang in [
        ("hi 👋 ane 20 amet eye, english ezareb, but german literally zero 😅 free classes alewo do?", "ti"),
        ("ye jok bahal bego 😂", "fa"),
        ("termin cancel. sick.", "en"),
    ]:
        assert detect(text).lang == lang, text


def test_dari_in_latin_letters():
    # faq_blind_1207l: Dari Finglish ("hastum", "budum", "mekona") was taken for Arabizi or left undecided.
    for text in [
        "salam man 17 sala hastum, da kabul sinf 10 budum. inja maktab mara qabul mekona ya faqat kurs berom?",
        "termin dashtom saat 3 magar delivery kar darom, 20 min late mishom, problem nest?",
    ]:
        assert detect(text).lang == "fa", text


def test_more_dari_and_tigrinya_in_latin_letters():
    # faq_blind_1207m: Dari Finglish verbs ("mekonom", "metanin", "mekhaya") read as Arabizi, short Latin-letter
    # Tigrinya ("email adreskum?", "kfilit ale do?") as English or undecided.
    for text, lang in [
        ("salam man shaw kar mekonom da lager. termin ra bad az saat 2 roz dada metanin?", "fa"),
        ("khwaharam az kabul mekhaya bara mehmani pesh e ma biya. visa chi tor gerefta metana?", "fa"),
        ("email adreskum?", "ti"),
        ("kfilit ale do?", "ti"),
        # faq_blind_1207n
        ("salam bacha, ma Lieferando kar mekonum shaw ha. daftar shuma roz-e yakshambe ham waz as?", "fa"),
        ("yak mard har roz da bus dunbal-e ma mesha, emroz ta khana amad, alan pesh-e darwaza aysta", "fa"),
        ("ya akhi risala kab jobcenter metsiatni 3 gets ala. ane german ayanbibn. enta iya ziblo?", "ti"),
    ]:
        assert detect(text).lang == lang, text


def test_our_districts_umlaut_is_no_german_and_more_latin_letter_words():
    # faq_blind_1207p: "Hörde" (and an authority's "Ausländerbehörde") made Arabizi and English read as German;
    # Dari Finglish ("mikhayom", "konom") and Tigrinya written with x for ts ("xbah qoxera") were undecided.
    for text, lang in [
        ("wen maktabkum bil Hörde? ani sakin yam il Phoenix See", "ar"),
        ("Opening times Hörde pls 🙏", "en"),
        ("salam bro ma mikhayom dar yak klub futbal bazi konom kodam klub dar hörde", "fa"),
        ("xbah sa'at 10 qoxera neyruni, chef'ey grn sra xewi'uni. kdlewo ykeal do?", "ti"),
        ("Ich wohne in Hörde und brauche Hilfe mit einem Brief", "de"),
    ]:
        assert detect(text).lang == lang, text
