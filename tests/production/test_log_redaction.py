"""The nginx access-log map in docs/deploy.md hides every path that carries a secret."""

import re

from tests.conftest import ROOT

# Route variables that are not secrets: a room code shown on the projector, a language.
PUBLIC_VARIABLES = {("/join/<code>", "code"), ("/lang/<code>", "code")}


def _redaction_pattern() -> re.Pattern:
    deploy = (ROOT / "docs" / "deploy.md").read_text()
    block = re.search(r"map \$uri \$loggable_uri \{\n\s*~(\S+)", deploy)
    assert block, "docs/deploy.md no longer shows the loggable_uri map"
    return re.compile(block.group(1))


def test_every_path_with_a_token_is_redacted_in_the_documented_access_log(app):
    redacted = _redaction_pattern()
    leaking = []
    for rule in app.url_map.iter_rules():
        secret = [v for v in rule.arguments if v.endswith("token") or v == "code"]
        if not secret or all((rule.rule, v) in PUBLIC_VARIABLES for v in secret):
            continue
        example = re.sub(r"<(?:[^:>]+:)?([^>]+)>", "SECRET", rule.rule)
        if not redacted.match(example):
            leaking.append(rule.rule)
    assert leaking == []
