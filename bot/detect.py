"""Guess the language a person writes in, from the text itself and the platform's hint.

The script decides first: Ge'ez is Tigrinya; Arabic script is Persian when it has letters Arabic does not
use (or typical Persian words), else Arabic. Latin script is German, English, or Arabic ("Arabizi", "mata
yaftah al maktab"), Persian ("Finglish", "daftar kojast") or Tigrinya ("abey alo bet tsihfet") written in
Latin letters, decided by typical words. When the text does not decide, the hint does.

`Detection.sure` says whether the evidence is strong: a script of its own (Ge'ez), Persian letters, or at
least two typical words more than any other language. A person's known reply language should only be
switched on a sure detection: one ambiguous Latin-letter message ("ok", "salam", "merci") is not enough.
"""

import re
from dataclasses import dataclass

from bot.languages import from_hint
from bot.normalize import normalize

_GEEZ = re.compile("[\u1200-\u137f\u1380-\u139f\u2d80-\u2ddf\uab00-\uab2f]")
_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
# Letters only Persian writes (Arabic keyboards have ي and ك, not ی and ک) decide for Persian; گ and چ are
# Persian letters too, but Iraqi and Gulf Arabic write them as well ("باچر", "اگدر"): they only weigh.
_PERSIAN_LETTERS = re.compile("[پژکی۰-۹]")
_SHARED_LETTERS = re.compile("[گچ]")
_TEH_MARBUTA = re.compile("ة")  # Persian writes ه
_LATIN = re.compile("[A-Za-z\u00c0-\u024f]")

# Frequent words that only one of the two languages uses (normalised: ی→ي, ک stays).
_PERSIAN_WORDS = frozenset(
    "است هست نيست را شما کجا چه چطور چرا کي کدام ميخواهم ميخوام ميتوانم ميتونم دارم ندارم برای براي"
    " با از اون کمک باز ساعت کار خانه خونه نامه بچه يک بايد چند فردا امروز کجاست چيست کنم کنيد ميشه"
    " بگيرم ميخواستم هستم هستيد بکنم دفتر چطوري کو شماره تلفن لطفا لطفاً آدرس ادرستان خيلي ميشود ميخواهيم"
    " چي چيه چطو کجاس نميدانم نميدونم ميرم ميره ميکنم ميکنه خانوادم خانواده شوهرم زنم پسرم دخترم رزومه تا بازه"
    " آقا".split()
)
# Words Arabic speakers use and Persian does not: also the Iraqi and Gulf words that come with گ, چ or پ.
_ARABIC_WORDS = frozenset(
    "هل متي وين فين شو ايش ماذا لماذا كيف کيف الي على علي في عن هذا هذه انا انت بدي اريد عايز"
    " ممکن ممكن لو سمحت الله مكتب مکتب موعد رسالة رساله عندي عندى يوجد هناك مساعدة مساعده"
    " شلون شنو شکو ليش ابي ابغي اگدر اکدر اقدر هسه هسا هاي مال وياي چان گاعد اشلون"
    " الدوام المکتب الموعد العنوان الطبيب المدرسه الروضه العمل البيت الشقه"
    " اكو ماكو شسوي اني يحچي احچي باچر زين وياهم اللي هواية عدكم عدي تگدر تكدر ابوي امي زوجي مرتي ولدي"
    " بنتي تفتحون يصير صار اريد دا لحد".split()
)
_GERMAN_WORDS = frozenset(
    "ich du sie wir ihr der die das den dem ein eine einen ist sind bin hat habe haben und oder nicht kein"
    " keine wann wo wie was warum wer welche welcher mit fur bei zum zur von im auf aus nach heute morgen"
    " buro offen geoffnet termin hilfe brauche brief arbeit wohnung kinder schule arzt deutsch kurs kostet"
    " kann konnen mochte mochten bitte danke hallo guten tag adresse telefon nummer uhr geld frage gibt es"
    " mein meine meinen mir mich noch auch schon sprechen ja nein diese dieser dieses was wer wieviel wie viel"
    " kosten kostenlos umsonst brauchen bekommen suche finden zeit woche monat samstag sonntag montag dienstag"
    " mittwoch donnerstag freitag verloren tun gibt veranstaltung beratung dolmetscher krankenkarte"
    " offnungszeit offnungszeiten sprechstunde anmelden abmelden vermieter kundigung stelle ausbildung"
    " praktikum lebenslauf bewerbung kindergarten ausweis amt brauch geht gehen kommen komme muss mussen"
    " darf durfen soll sollen wurde ware euch uns ihnen dir dich".split()
)
_ENGLISH_WORDS = frozenset(
    "i you we they he she the a an is are am was be have has do does can could would should will not no"
    " when where what how why who which with for at from to in on of my your me please thanks thank hello"
    " hi office open opening hours appointment help need letter job work flat apartment children school"
    " doctor german course cost free phone number address language speak there this that and or any whats"
    " ur u r much per month week weather tomorrow today email get want need lost card wheres my our their"
    " does dont cant wont im ive pay money register kindergarten apartment landlord rent job find looking"
    " visit home data anyone share information delete volunteer translator interpreter cancel sick class classes".split()
)
# Arabic in Latin letters: common words and spellings with digits for Arabic letters (3 = ع, 7 = ح ...).
_ARABIZI_WORDS = frozenset(
    "ana enta enti inta inti ente anta mata emta imta eimta wen wein wain ween fen fain fein ayna ayn shu shou"
    " maktabkum maktabkon sakin saken sakna"
    " sho esh eh ish shlon kif keef kaif kef leh lesh lish 3ndi 3andi andi 3ando bdi biddi baddi bade bidi"
    " 3ayez 3ayz 3awz 3aiz abi abgha areed ureed momken mumkin mmkn yaftah yeftah byeftah byftah maktab"
    " elmaktab almaktab mawed maw3ed mau3id mo3ed maw3id wa2t wakt sa3a saa3a sa3at al el fi fe min men"
    " mn ma3 m3 3la 3ala ala la2 la aiwa aywa na3am shukran shokran salam marhaba mar7aba ahlan habibi"
    " ya yalla kam qadesh adesh addesh 2adesh bkam bekam mosa3ada msa3de musa3ada risala resala maktoub"
    " maktoob maktub shoghl shughl sha3'el 3amal beit bait bet bait madrase madrasa tabib doktor hal hel"
    " wallah inshallah lazem lazim l2an 3shan 3ashan 3lshan msh mish mush bukra bokra elyom alyom lyom"
    " el7en hala2 hassa halla2 ta3ab maridh mared lugha lo8a almani almaniya wesh wish dawam dawamkom aku"
    " shaku maku malabis atfal awlad wlad mutarjim motarjem floos fulus balash bbalash walla jozi zawji"
    " ya3ni shi chi 3am bi ba3d kteer ktir kthir shway shwai bas".split()
)
# Persian in Latin letters ("Finglish"): words Persian speakers type that English, German and Arabizi do not
# use (short ones that are English or German words, such as "man", "to", "in", are left out).
_FINGLISH_WORDS = frozenset(
    "bego begoo bahal mikham mikhastam mikhaym mikhay mikhad mitunam mitoonam mitonam mitunid mishe mishad kojast koja kojas"
    " kojaye chetori chetor chand chera chie chiye chiz chizi lotfan lotfn mersi mamnun mamnoon mamnoonam"
    " daftar daftare vaght vakht nobat nobate emruz emrooz farda diruz hastid hastin nist nistam nistid daram"
    " darid darin dare nadaram nadarim bayad baiad komak komakam konam konid konin kon khune khoone khaneh"
    " khane zaban zabane bime madrese madreseh bacheha bachem bachehaye hazine hazineh rayegan majani"
    " khodafez baraye barye vase kheili kheyli khyli khaste shodam shode mikonam mikonid mikone kardam kardan"
    " begiram migiram beram biam miam miad biyam dige kasi inja unja onja ghabl pish dastam dardam jelase"
    " kelase sabtenam ghabz ejare ejareh sahebkhune sahebkhane shohar shoharam zanam pesaram dokhtaram khanom"
    " agha befarmaid salamati khubi khoobi chetorin mishavad mikhastim kojan kei kodum kodoom kodom"
    " nemidunam nemidonam nemikham nemitunam nadare hamchin hamin injast ast hast budam bud mire miram ruz"
    " haftegi hafte sobh asr shab daftaretun baze adres shomare gereftan chejoori chejuri mikonin jalase etela"
    " resani peyda nemikonam omade nemifahmam dokhtaram motarjem darin miain javab dade mikhad rezume"
    " khadamati komaki bacheha khunegi davtalab madadkar tamas sohbat lazeme avaz bedune rayegane majanie"
    " shoma shomaro chi chikar mikonin mikonan babam madaram pedaram hamle ghalbi karde kard gerefte"
    " ashpazkhune ashpazkhane atish atash khande mordam mordan bimarestan pezeshk daru darou dandun dandoon"
    " tarjome tarjomeh amuzesh amoozesh dars kelasa almani estekhdam shoghl madarek madrak otobus ghatar"
    " istgah nazdik khiaban kuche koche neshani neshoon baste bazeh saate shanbe yekshanbe doshanbe seshanbe"
    " chaharshanbe panjshanbe jome emshab zood zud befrestid befrestin begid bedid mitonid mitoonid"
    " mitunin moshkel moshkeli dorost tamir kharab kharabe barq bargh mobl hamsaye hamsayeh dokhtar pesar"
    " bache bachem nameh naame khabar jadid gharar gharare vaqt ghadr cheghadr chegadr cheqadr pardakht"
    " pul pool nerkh chande chanda toman faghat hame hamash aghab andakht mosaferam mosafer zakhire gereftam"
    " mekhayom mekhayum mitanm mitanom mitanum kunm kunom budm budom ndarm nadarom hech hich kaghaz shod shud"
    " gereftom griftom kuja nawishi mekadom mekunom kardom dokhtara bachaha"
    " gorosnegi balad hasti payam payamha mikhune mikhoonan ettelaat edare mohajerat mire ro"
    " hastum budum mekona mekonam berom kudam nevisi kunum dashtom darom mishom"
    " mebina mepursom mekardom metanin mekonom mekhaya metana gerefta bezana meshan"
    " mekonum shuma yakshambe yakshanbe emroz khana aysta metarsum mitarsum bgid hosele hoselam rafte"
    " darwaza dunbal tazakhane mesha"
    " mikhayom namikhayom konom mizanom migira migiran bachaye tarjomani taza amadan morede anglisi natije".split()
)
# Tigrinya in Latin letters.
_TIGRINYA_LATIN_WORDS = frozenset(
    "amet eye ezareb ebiye kemey kemay kemei kamey entay intay ntay abey abei meas mias kndey kinday kindey kendey alo alewo aleku"
    " alekum alokum alekhum yelen yeleyn yeblen yelen eyu iyu iyom eyom nay kab nab mis kulu zelo ezi ezom izi"
    " delye deliye edeli ydli ydeli yikeal yikael yikal kikeal kfut kifut ktsu lomi tsbah tsibah tsbuk"
    " hagez hagezuni hagezeni hagzuni sirah srah geza debdabe debdabie hakim timhrti tmhrti quanqua kwankwa"
    " qwanqwa tsihfet tsehfet tsifet qotsera ketsera kotsera qotsra yekenyeley yekenyelay yekenyelna dehan"
    " dehando hade hadu sebay sebeyti wedi gual gebri wagaa waga ane aney"
    " nskha nsikha nsika ntsibuk tsebuk zeyblu zeybel ayfeletn ayfelten ayfelteyn kesab kab keyd kedka"
    " ketsera kheyd kiheyd ydelyi zdelyi halewo halewa halewu yelon eta eti etom ezia nay bkemey bkemay"
    " kabey enda kelay kewn kihawn hawey hawka hawo aboy adey shekla kitebuni kihgezuni hatsewuni qutsri silki"
    " habuni kihiz intay srah yedli yietu metsiuni yirkeb mzgeba tergwami bnetsa diyu khgez welentawi tmetsu"
    " yimetsa biro kfutat dikhum tihbu tgebru kdawnti yedleyeni tzarebu kkewn kkfl aleni yehtet haberetay"
    " demsisuley tnegru qotseraey kqyr kmetsi krekb"
    " abza alem kihlu aydelin aydeleyn hawi hizu gezana gezay gezey qolea qolia wediqu aytenfsn tenfis"
    " qetqituni silkey moytu degim dagim bejaka bejakum bejaki nsu nsa nsom nska nski hiji hji hizi tmali"
    " meealti mealti kirai kiray tsigem tsgem shqal wedey gualey deqey dekey mdhanit hakimey"
    " yeqenyeley yekenyeleyey kemeyla bkemey abzi abti ntsa ntse yikealo kemzi ameta yiqemet tihgezuna hiza"
    " ikil kiflit tihbuwo hibuni hbuni kimezgeb tkhelu geyna yibl wedieye yimhar bintay"
    " ziblo ayanbibn temelise kimetse zikhon adreskum kfilit qeldi ngeruni reikumwo bitsbuq bota"
    " xbah qoxera qoxra ykeal kdlewo kthabuni ksedd deleye".split()
)
_OUR_UMLAUT_NAMES = re.compile(r"h[öo]rde\w*|sch[üu]ren")
_ARABIZI_DIGIT_WORD = re.compile(r"\b[a-z]*[2375689][a-z]+\b|\b[a-z]+[2375689][a-z]*\b")


# Word shapes only one of the two languages has (normalised words: no umlauts).
_GERMAN_SHAPE = re.compile(r"(ung|ungen|keit|heit|schaft|lich|chen|isch)$|^(ge|ver|be|zu)[a-z]{3,}(t|en)$|sch|tz|pf")
_ENGLISH_SHAPE = re.compile(r"(ing|tion|ly|ght)$|^(wh|th)|[a-z]{2,}w$")


LATIN_WORD_WEIGHT = 2


def _folded(words: frozenset[str]) -> frozenset[str]:
    """The word lists as normalize() writes words, so they compare with normalised text."""
    return frozenset(w for word in words for w in normalize(word).split())


_PERSIAN_WORDS, _ARABIC_WORDS = _folded(_PERSIAN_WORDS), _folded(_ARABIC_WORDS)
_GERMAN_WORDS, _ENGLISH_WORDS = _folded(_GERMAN_WORDS), _folded(_ENGLISH_WORDS)
_ARABIZI_WORDS = _folded(_ARABIZI_WORDS)
# A word of two lists counts for neither of the Latin-letter ones (English "key", Finglish "kei").
_FINGLISH_WORDS = _folded(_FINGLISH_WORDS) - _ENGLISH_WORDS - _GERMAN_WORDS - _ARABIZI_WORDS
_TIGRINYA_LATIN_WORDS = _folded(_TIGRINYA_LATIN_WORDS) - _ENGLISH_WORDS - _GERMAN_WORDS - _ARABIZI_WORDS


@dataclass(frozen=True)
class Detection:
    lang: str | None  # None: the text does not decide
    script: str  # "geez", "arabic", "latin" or "none"
    latin_arabic: bool = False
    sure: bool = False  # strong evidence: worth switching a person's reply language for
    latin_persian: bool = False  # Persian written in Latin letters (Finglish)
    latin_tigrinya: bool = False  # Tigrinya written in Latin letters


def latin_scores(text: str) -> dict[str, int]:
    """Evidence per language for a Latin-letter text: typical words, umlauts, Arabizi digits."""
    words = normalize(text).split()
    # Our districts' umlauts are no German: "wen maktabkum bil Hörde?" is Arabizi (and an authority's name, the
    # "hörde" of "Ausländerbehörde", is a loanword in any language).
    raw = _OUR_UMLAUT_NAMES.sub(" ", text.lower())
    return {
        "de": sum(w in _GERMAN_WORDS or bool(_GERMAN_SHAPE.search(w)) for w in words)
        + 2 * len(re.findall("[äöüß]", raw)),
        "en": sum(w in _ENGLISH_WORDS or bool(_ENGLISH_SHAPE.search(w)) for w in words),
        "ar": sum(w in _ARABIZI_WORDS for w in words) + 2 * len(_ARABIZI_DIGIT_WORD.findall(raw)),
        # A Finglish or Tigrinya word counts twice: beside the German and English loanwords such messages carry
        # ("WhatsApp darid?", "hausbesuch ab Mengede yikal do?") it is the language's own word.
        "fa": LATIN_WORD_WEIGHT * sum(w in _FINGLISH_WORDS for w in words),
        "ti": LATIN_WORD_WEIGHT * sum(w in _TIGRINYA_LATIN_WORDS for w in words),
    }


def _latin_language(text: str, hinted: str | None) -> tuple[str | None, bool]:
    """(language, sure) for a Latin-letter text."""
    if not normalize(text):
        return None, False
    scores = latin_scores(text)
    ranked = sorted(scores.values(), reverse=True)
    top, second = ranked[0], ranked[1]
    best = max(scores, key=lambda k: scores[k])
    if top == 0 or top == second:
        # A tie between the hinted language and another: the hint decides, weakly.
        if top > 0 and hinted in scores and scores[hinted] == top:
            return hinted, False
        return None, False
    sure = top - second >= 2 or (top >= 2 and top >= 2 * second)
    if best in ("fa", "ti") and top <= LATIN_WORD_WEIGHT:
        sure = False  # one such word decides the language, but is no reason to switch a person's language
    # One weak clue ("hallo", "ok") is not worth overruling what the person's phone is set to.
    if top == 1 and hinted in scores and best != hinted:
        return hinted, False
    return best, sure


def detect(text: str | None, hint: str | None = None) -> Detection:
    """Which of our languages `text` is in. `lang` is None when neither the text nor the hint decides."""
    text = text or ""
    hinted = from_hint(hint)
    geez = len(_GEEZ.findall(text))
    arabic = len(_ARABIC_SCRIPT.findall(text))
    latin = len(_LATIN.findall(text))
    # A Ge'ez letter is a syllable: three of them make a word, and nobody writes one in German or English
    # ("Ausländerbehörde መዓስ ይኽፈት" is Tigrinya with a German word in it).
    if geez >= 3 or (geez and geez >= arabic and geez * 2 >= latin):
        return Detection("ti", "geez", sure=True)
    # Nobody writes three words in Arabic script without it being their language: mostly English or German
    # with Persian words in between ("Jobcenter Gelsenkirchen چه وقت باز است؟ my cousin lives there") is Persian.
    arabic_words = sum(bool(_ARABIC_SCRIPT.search(w)) for w in text.split())
    if arabic and (arabic * 2 >= latin or arabic_words >= 3):
        words = set(normalize(text).split())
        fa, ar = len(words & _PERSIAN_WORDS), len(words & _ARABIC_WORDS)
        if _PERSIAN_LETTERS.search(text):
            # Persian letters decide, unless the words are plainly Arabic.
            if ar >= 2 and fa == 0:
                return Detection("ar", "arabic", sure=True)
            return Detection("fa", "arabic", sure=fa >= ar)
        ar += 2 * bool(_TEH_MARBUTA.search(text))
        if _SHARED_LETTERS.search(text):
            # گ or چ without a letter only Persian has: Iraqi Arabic, or Persian typed on an Arabic keyboard;
            # the words decide, Persian when they do not.
            if ar > fa:
                return Detection("ar", "arabic", sure=ar - fa >= 2)
            return Detection("fa", "arabic", sure=fa >= 2 and ar == 0)
        if fa > ar:
            return Detection("fa", "arabic", sure=fa - ar >= 2 or ar == 0)
        if ar > fa:
            return Detection("ar", "arabic", sure=ar - fa >= 2 or fa == 0)
        # Arabic script alone still rules out de, en and ti: the hint decides between the two, weakly.
        return Detection(hinted if hinted in ("ar", "fa") else "ar", "arabic")
    if latin:
        lang, sure = _latin_language(text, hinted)
        if lang is None:
            return Detection(hinted, "latin")
        return Detection(
            lang,
            "latin",
            latin_arabic=lang == "ar",
            sure=sure,
            latin_persian=lang == "fa",
            latin_tigrinya=lang == "ti",
        )
    return Detection(hinted, "none")
