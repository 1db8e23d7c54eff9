import pytest

from bot.normalize import normalize, normalize_digits


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("أين المكتب؟", "اين المكتب"),  # hamza on alef
        ("إلى المكتب", "الى المكتب"),  # hamza below alef
        ("آخر موعد", "اخر موعد"),  # madda
        ("مَتَى يَفْتَحُ", "متى يفتح"),  # diacritics
        ("مـــكتب", "مكتب"),  # tatweel
        ("مدرسة", "مدرسه"),  # ta marbuta
        ("مسؤول", "مسوول"),  # hamza on waw
        ("می‌خواهم", "میخواهم"),  # ZWNJ
        ("كجا", "کجا"),  # Arabic kaf vs Persian keheh
        ("يك", "یک"),  # Arabic yeh vs Persian yeh
        ("ሐኪም", "ሀኪም"),  # Tigrinya ሐ/ሀ
        ("ኀይሊ", "ሀይሊ"),  # ኀ/ሀ
        ("ሠናይ", "ሰናይ"),  # ሠ/ሰ
        ("ዐዲ", "አዲ"),  # ዐ/አ
        ("ፀሓይ", "ጸሃይ"),  # ፀ/ጸ and ሓ/ሃ (same vowel order)
        ("Öffnungszeiten", "offnungszeiten"),
        ("Straße", "strasse"),
        ("Buero", "Büro"),  # umlaut typed as ue
        ("pleeease", "please"),  # repeated letters
        ("خيييير", "خير"),
        ("ana ta3ban", "ana taaban"),  # Arabizi digits
        ("a2tol 7ali", "atol hali"),
        ("khoone", "khune"),  # Finglish long vowels
        ("keef", "kif"),
        ("kommst du? 🙏👍", "kommst du"),  # emoji
    ],
)
def test_spelling_variants_fold_onto_one_form(variant, canonical):
    assert normalize(variant) == normalize(canonical)


def test_eastern_arabic_and_persian_digits_become_ascii():
    assert normalize_digits("٠١٢٣٤٥٦٧٨٩") == "0123456789"
    assert normalize_digits("۰۱۲۳۴۵۶۷۸۹") == "0123456789"
    assert normalize("الساعة ٩:٣٠") == normalize("الساعه 9 30")


def test_punctuation_and_case_do_not_matter():
    assert normalize("  Wann   ist das BÜRO offen??? ") == "wann ist das buro offen"


def test_digits_are_not_folded_like_letters():
    assert normalize("0800 111 0 111") == "0800 111 0 111"
    assert normalize("44309 Dortmund") == "44309 dortmund"
