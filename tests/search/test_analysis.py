"""Vietnamese normalisation, folding and query parsing, without an index."""

import unicodedata

from search import fold, normalize, parse_query
from search.analysis import pairs, syllables


def test_normalize_composes_decomposed_input_and_lowercases():
    decomposed = unicodedata.normalize("NFD", "Quyết Định")
    assert decomposed != "Quyết Định"
    assert normalize(decomposed) == "quyết định"


def test_fold_removes_tone_and_vowel_marks_and_maps_d_stroke():
    assert fold("quyết định đường ưu tiên ở ỹ") == "quyet dinh duong uu tien o y"
    assert fold("ĐƯỜNG") == "DUONG"
    assert fold(normalize("Ắ Ặ Ẫ Ỡ Ự")) == "a a a o u"


def test_fold_strips_stray_combining_marks():
    assert fold("a\u0301\u0323") == "a"


def test_fold_keeps_other_punctuation():
    assert fold("“văn bản” — số 12/QĐ") == "“van ban” — so 12/QD"


def test_syllable_pairs():
    assert pairs(syllables("quyet dinh so")) == ["quyet_dinh", "dinh_so"]
    assert pairs(["mot"]) == []


def test_parse_query_separates_phrases_notations_and_words():
    p = parse_query('Quyết định "kế hoạch công tác" 12/QĐ-UBND về x')
    assert p.phrases == (("kế", "hoạch", "công", "tác"),)
    assert p.notations == ("12/qđ-ubnd",)
    assert p.runs == (("quyết", "định"), ("về", "x"))


def test_parse_query_understands_decomposed_input_and_notation_prefix():
    p = parse_query(unicodedata.normalize("NFD", "12/QĐ"))
    assert p.notations == ("12/qđ",)


def test_parse_query_empty_and_unbalanced_quotes():
    assert parse_query("   ").empty
    assert parse_query('"văn thư').phrases == (("văn", "thư"),)
