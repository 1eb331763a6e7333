"""The server's settings travel to worker processes as JSON, and bound the bytes of a request body."""

from textclf.serving.settings import Settings


def test_settings_survive_the_trip_to_a_worker_process():
    settings = Settings(batch_size=8, batch_wait_ms=0.5, max_texts=3, max_chars=10)
    assert Settings.from_json(settings.to_json()) == settings


def test_the_body_limit_holds_every_text_at_its_longest_escaped():
    settings = Settings(max_texts=2, max_chars=100)
    assert settings.body_limit() >= 2 * len('"' + "\\u00e9" * 100 + '",') + len('{"texts": []}')
    assert Settings(max_texts=4, max_chars=100).body_limit() > settings.body_limit()
