"""Written words and the tokens a model reads: each standardized word finds the written word it came from."""

from textclf.explanation.words import WordMap
from textclf.features.text_layers import standardize, standardize_keeping_punctuation


def test_each_standardized_word_belongs_to_the_written_word_it_came_from():
    words = WordMap("It's GREAT,<br />truly  great!", standardize)
    assert words.tokens == ["it", "s", "great", "truly", "great"]
    assert "".join(piece for piece, _ in words.pieces) == "It's GREAT,<br />truly  great!"
    shaded = words.shaded([1.0, 2.0, 3.0, 4.0, 5.0])
    assert [(piece, value) for piece, value in shaded if value is not None] == [
        ("It's", 3.0), ("GREAT,", 3.0), ("truly", 4.0), ("great!", 5.0)]
    assert all(value is None for piece, value in shaded if not piece.strip() or piece == "<br />")


def test_kept_punctuation_is_a_token_of_its_written_word():
    words = WordMap("wow!!", standardize_keeping_punctuation)
    assert words.tokens == ["wow", "!", "!"]
    assert words.shaded([1.0, 0.5, 0.5]) == (("wow!!", 2.0),)


def test_a_term_is_spread_over_its_occurrences_and_a_character_ngram_over_the_words_holding_it():
    words = WordMap("good film good film bad", standardize)
    assert words.spread([("good film", 4.0)], characters=False) == [1.0, 1.0, 1.0, 1.0, 0.0]
    assert words.spread([("#ood", 2.0), ("bad", -1.0)], characters=True) == [1.0, 0.0, 1.0, 0.0, -1.0]
    assert words.spread([("[UNK]", 9.0)], characters=False) == [0.0] * 5  # no written word is the OOV term


def test_a_character_model_reads_every_character_of_the_standardized_text():
    words = WordMap("Hi, you", standardize, characters=True)
    assert words.tokens == list("hi  you")
    assert [piece for piece, value in words.shaded([1.0] * 7) if value is not None] == list("hiyou")
