import pytest


@pytest.fixture(autouse=True)
def anchor_file(settings, tmp_path):
    """Each test has an anchor file of its own, in a directory that does not exist yet."""
    settings.AUDIT_ANCHOR_PATH = str(tmp_path / "anchors" / "audit.jsonl")
    return tmp_path / "anchors" / "audit.jsonl"
