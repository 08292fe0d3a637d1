"""The reader of the README's curl examples reads them as a shell and curl would, and compares answers strictly."""

from __future__ import annotations

import pytest

from tests.readme_examples import ANY, examples, mismatches, parse_shape

BLOCK = """Intro.

```sh
TOKEN=<the token>
curl -H "Authorization: Bearer $TOKEN" -d '{"parameters":{"limit":5}}' \\
     http://127.0.0.1:3000/tools/fullstory_list_segments
# → 200 {"segments": [{"id": "everyone", …}, …], "nextPaginationToken": …}
curl https://example.execute-api.eu-west-1.amazonaws.com/discovery
curl http://localhost:3000/tools/fullstory_export_segment -d '{
  "parameters": {"segmentId": "everyone"}}'
# → 202 {"status": "accepted"}
```
"""


def test_commands_over_several_lines_are_one_request_each_and_remote_ones_are_left_out() -> None:
    first, second = examples(BLOCK)
    assert (first.line, first.method, first.path) == (5, "POST", "/tools/fullstory_list_segments")
    assert first.headers == {
        "Authorization": "Bearer $TOKEN",
        "Content-Type": "application/x-www-form-urlencoded",  # what curl -d sends
    }
    assert first.body == '{"parameters":{"limit":5}}'
    assert first.status == 200 and first.shape == {"segments": [{"id": "everyone"}], "nextPaginationToken": ANY}
    assert (second.line, second.method, second.status) == (9, "POST", 202)
    assert second.body == '{\n  "parameters": {"segmentId": "everyone"}}'


def test_an_option_the_reader_does_not_know_is_an_error_not_a_different_request() -> None:
    with pytest.raises(ValueError, match="-i"):
        examples("```sh\ncurl -i http://127.0.0.1:3000/discovery\n```\n")


def test_a_documented_answer_is_checked_for_its_members_values_and_first_elements() -> None:
    shape = parse_shape('{"sessions": [{"sessionId": "1:2", …}, …], "count": 2, …}')
    good = {"sessions": [{"sessionId": "1:2", "replayUrl": "u"}, {"sessionId": "3:4"}], "count": 2, "more": True}
    assert mismatches(shape, good) == []
    assert mismatches(shape, {**good, "count": 3}) == ["answer.count is 3, documented as 2"]
    assert mismatches(shape, {"count": 2}) == ["answer has no 'sessions' (it has ['count'])"]
    assert mismatches(shape, {**good, "sessions": []}) == ["answer.sessions is not a list of at least 1"]
    with pytest.raises(ValueError):
        parse_shape('{"a" 1}')
