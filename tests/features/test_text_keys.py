from textclf.features import text_keys


def test_texts_the_model_reads_alike_have_one_key():
    keys = text_keys.standardized(["Great film!", "great   film", "GREAT<br />film.", "great films"])
    assert keys[0] == keys[1] == keys[2] == "great film"
    assert keys[3] != keys[0]


def test_kept_punctuation_is_part_of_the_key():
    keys = text_keys.standardized(["Great film!", "great film", "great film !"], punctuation="keep")
    assert keys[0] == keys[2] == "great film !" and keys[1] == "great film"


def test_many_texts_are_keyed_in_chunks_in_order(monkeypatch):
    monkeypatch.setattr(text_keys, "CHUNK", 3)
    texts = [f"Text {i}!" for i in range(10)]
    assert text_keys.standardized(texts) == [f"text {i}" for i in range(10)]
