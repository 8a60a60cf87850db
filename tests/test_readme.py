"""The README's examples, replayed in order on fresh demo data, answer as they say they do."""

import json
import re
import shlex
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.helpers import client_with_token

README = Path(__file__).resolve().parents[1] / "README.md"


def examples() -> list[tuple[str, str, dict | None, int]]:
    """Each `curl` line of the README's Endpoints section: method, path, body, status."""
    endpoints = README.read_text().split("## Endpoints", 1)[1].split("\n## ", 1)[0]
    found = []
    for block in re.findall(r"```sh\n(.*?)```", endpoints, re.DOTALL):
        for line in block.splitlines():
            command, _, comment = line.partition("  #")
            words = shlex.split(command.replace("$API", "/api/v1"))
            if not words or words[0] != "curl":
                continue
            method = words[words.index("-X") + 1] if "-X" in words else "GET"
            body = json.loads(words[words.index("-d") + 1]) if "-d" in words else None
            path = next(word for word in words if word.startswith("/api/v1"))
            status = int(re.search(r"\d{3}", comment).group()) if comment.strip() else 200
            found.append((method, path, body, status))
    return found


def curl_lines() -> list[str]:
    text = README.read_text()
    return [line for line in text.splitlines() if line.startswith("curl ")]


def test_the_readme_has_its_examples():
    assert len(examples()) >= 25


def test_every_readme_example_is_a_command_that_runs_as_shown():
    """Each one carries the token and, with a body, the JSON content type, both from the line
    `make run` prints; a URL with a query is quoted, so that no shell reads `?` or `&`."""
    for line in curl_lines():
        command = line.partition("  #")[0]
        words = shlex.split(command)
        assert words[1:3] == ["-H", "$AUTH"], line
        if "-d" in words:
            assert words[3:5] == ["-H", "$JSON"], line
        for word in command.split():
            if "$API" in word and ("?" in word or "&" in word):
                assert word.startswith('"'), line


# Fresh demo data: ids from 1, as in a new database (other tests have used the sequences).
@pytest.mark.django_db(transaction=True, reset_sequences=True, serialized_rollback=True)
def test_every_readme_example_answers_as_printed_on_fresh_demo_data(capsys, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True  # as `make run` sets it
    call_command("seed_demo")
    api = client_with_token(capsys.readouterr().out.strip().splitlines()[-1])

    for method, path, body, status in examples():
        response = api.generic(method, path, json.dumps(body) if body else "", "application/json")

        assert response.status_code == status, (method, path, response.content[:300])
