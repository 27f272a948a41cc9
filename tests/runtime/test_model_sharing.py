"""Records shared by many pages (the full sitemap away from the page) are encoded once: a
page's model holds the same JSON as if each were encoded again."""

from __future__ import annotations

from fastn.ftd.values import RecordValue
from fastn.runtime import model


def _item(title: str, children: list[RecordValue] | None = None) -> RecordValue:
    return RecordValue("fastn#toc-item", {"title": title, "children": children or []})


def test_shared_records_give_the_same_json_as_fresh_ones() -> None:
    leaf = _item("<leaf>")
    shared = _item("shared", [leaf])
    owner = object()
    model.share_encoding(owner, [shared, leaf])
    try:
        for page_value in ("plain", model._MARK):  # the mark as a page's own value too
            page = RecordValue("t", {"sections": [shared, _item(page_value, [leaf])]})
            entry = {"v": model.encode_value(page)}
            assert model._spliced_json(entry) == model._script_json(entry)
            fresh = RecordValue(
                "t",
                {
                    "sections": [
                        _item("shared", [_item("<leaf>")]),
                        _item(page_value, [_item("<leaf>")]),
                    ]
                },
            )
            assert model._spliced_json(entry) == model._script_json(
                {"v": model.encode_value(fresh)}
            )
        assert model.encode_value(shared) is model.encode_value(shared)  # encoded once
    finally:
        model.share_encoding(object(), [])  # another owner: the records are forgotten
    assert not model._shared and not model._shared_encodings
