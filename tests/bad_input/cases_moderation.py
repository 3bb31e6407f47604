"""Bad input to ``regretlab serve moderation``: every case is refused before anything is served."""

from __future__ import annotations

import socket
from pathlib import Path

OK_EXPERT = '[[experts]]\nname = "rules"\nkind = "keywords"\n'
_HELD: list[socket.socket] = []  # ports kept busy while a case runs (closed when the test process ends)


def _write(name: str, text: str | bytes):
    def setup(tmp: Path) -> None:
        path = tmp / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
    return setup


def _rules(rules: str) -> str:
    return f'[[experts]]\nname = "rules"\nkind = "keywords"\nrules = {rules}\n'


def _files(**files: str | bytes):
    def setup(tmp: Path) -> None:
        for name, text in files.items():
            _write(name.replace("__", "."), text)(tmp)
    return setup


def _port_in_use(tmp: Path) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    _HELD.append(sock)
    port = sock.getsockname()[1]
    (tmp / "busy.toml").write_text(f"[service]\nport = {port}\n{OK_EXPERT}")


SERVE = ["serve", "moderation"]

CASES = [
    dict(id="moderation-config-missing", argv=SERVE, expect="Missing option '--config'", note="no --config"),
    dict(id="moderation-config-file-missing", argv=[*SERVE, "--config", "nope.toml"],
         expect="config file 'nope.toml' does not exist"),
    dict(id="moderation-config-is-a-directory", argv=[*SERVE, "--config", "{tmp}"], expect="is a directory"),
    dict(id="moderation-config-garbage-toml", argv=[*SERVE, "--config", "bad.toml"],
         setup=_write("bad.toml", "experts = [unterminated\n"), expect="config file bad.toml is not valid TOML",
         note="garbage TOML"),
    dict(id="moderation-config-not-utf8", argv=[*SERVE, "--config", "bin.toml"],
         setup=_write("bin.toml", b"\xff\xfe\x00binary"), expect="config file bin.toml is not UTF-8 text",
         note="binary file"),
    dict(id="moderation-config-unknown-section", argv=[*SERVE, "--config", "c.toml"],
         setup=_write("c.toml", "[server]\nport = 1\n" + OK_EXPERT), expect="unknown config section(s) server",
         note="[server] instead of [service]"),
    dict(id="moderation-config-unknown-key", argv=[*SERVE, "--config", "c.toml"],
         setup=_write("c.toml", "[service]\nprot = 8765\n" + OK_EXPERT), expect="[service]: unknown key(s) prot",
         note="typo in a key"),
    dict(id="moderation-config-no-experts", argv=[*SERVE, "--config", "c.toml"],
         setup=_write("c.toml", "[service]\nport = 8765\n"), expect="one or more [[experts]] tables"),
    dict(id="moderation-config-expert-not-a-table", argv=[*SERVE, "--config", "c.toml"],
         setup=_write("c.toml", "experts = [1, 2]\n"), expect="experts[0] must be a table"),
    dict(id="moderation-config-unknown-expert-kind", argv=[*SERVE, "--config", "c.toml"],
         setup=_write("c.toml", '[[experts]]\nname = "a"\nkind = "oracle"\n'),
         expect="config file c.toml: expert 'a': kind must be one of keywords, embedding_logistic, python, got 'oracle'",
         note="unknown expert type"),
    dict(id="moderation-config-bad-loss", argv=[*SERVE, "--config", "c.toml"],
         setup=_write("c.toml", '[ensemble]\nloss = "hinge"\n' + OK_EXPERT), expect="ensemble.loss must be one of"),
    dict(id="moderation-config-categories-not-a-list", argv=[*SERVE, "--config", "c.toml"],
         setup=_write("c.toml", '[ensemble]\ncategories = "violence"\n' + OK_EXPERT),
         expect="ensemble.categories must be a list"),
    dict(id="moderation-config-bad-regex", argv=[*SERVE, "--config", "c.toml"],
         setup=_write("c.toml", _rules('[{ pattern = "(kill", weight = 0.5 }]')),
         expect="config file c.toml: expert 'rules' (keywords): rules[0]: rule pattern '(kill' is not a valid regular expression",
         note="bad regex"),
    dict(id="moderation-config-slow-regex", argv=[*SERVE, "--config", "c.toml"],
         setup=_write("c.toml", _rules('[{ pattern = "(a+)+b", weight = 0.5 }]')),
         expect="rule pattern '(a+)+b' has a nested quantifier", note="exponential-time regex"),
    dict(id="moderation-config-quadratic-regex", argv=[*SERVE, "--config", "c.toml"],
         setup=_write("c.toml", _rules('[{ pattern = "\\\\bhate\\\\b.*\\\\bthem\\\\b", weight = 0.5 }]')),
         expect="quadratic in the text length", note="quadratic-time regex"),
    dict(id="moderation-config-rule-missing-weight", argv=[*SERVE, "--config", "c.toml"],
         setup=_write("c.toml", _rules('[{ pattern = "kill" }]')), expect="rules[0]: missing key(s) weight"),
    dict(id="moderation-config-rules-not-a-list", argv=[*SERVE, "--config", "c.toml"],
         setup=_write("c.toml", _rules('"kill"')), expect="rules must be a non-empty list"),
    dict(id="moderation-config-bad-base", argv=[*SERVE, "--config", "c.toml"],
         setup=_write("c.toml", OK_EXPERT + "base = 3\n"), expect="expert 'rules' (keywords): base must be in [0, 1]"),
    dict(id="moderation-config-train-file-missing", argv=[*SERVE, "--config", "c.toml"],
         setup=_write("c.toml", '[[experts]]\nname = "m"\nkind = "embedding_logistic"\ntrain = "nope.jsonl"\n'),
         expect="train = 'nope.jsonl': training examples file"),
    dict(id="moderation-config-train-file-garbage", argv=[*SERVE, "--config", "c.toml"],
         setup=_files(c__toml='[[experts]]\nname = "m"\nkind = "embedding_logistic"\ntrain = "ex.jsonl"\n',
                      ex__jsonl='{"text": "hi", "label": 1}\n{"text": \n'),
         expect="ex.jsonl line 2: not valid JSON"),
    dict(id="moderation-config-python-target", argv=[*SERVE, "--config", "c.toml"],
         setup=_write("c.toml", '[[experts]]\nname = "mine"\nkind = "python"\ntarget = "no_such_module_xyz:score"\n'),
         expect="expert 'mine' (python): target 'no_such_module_xyz:score': cannot import module"),
    dict(id="moderation-config-token-unset", argv=[*SERVE, "--config", "c.toml"],
         setup=_write("c.toml", '[service]\ntoken_env = "REGRETLAB_TEST_UNSET_TOKEN_VARIABLE"\n' + OK_EXPERT),
         expect="service.token_env names 'REGRETLAB_TEST_UNSET_TOKEN_VARIABLE' but that environment variable is empty or unset"),
    dict(id="moderation-config-port-out-of-range", argv=[*SERVE, "--config", "c.toml"],
         setup=_write("c.toml", "[service]\nport = 70000\n" + OK_EXPERT), expect="service.port must be <= 65535, got 70000"),
    dict(id="moderation-config-port-not-a-number", argv=[*SERVE, "--config", "c.toml"],
         setup=_write("c.toml", '[service]\nport = "http"\n' + OK_EXPERT), expect="service.port must be an integer"),
    dict(id="moderation-config-port-in-use", argv=[*SERVE, "--config", "busy.toml"], setup=_port_in_use,
         expect="config file busy.toml: service.port = ", note="service.port held by another process"),
    dict(id="moderation-port-out-of-range", argv=[*SERVE, "--config", "c.toml", "--port", "70000"],
         setup=_write("c.toml", OK_EXPERT), expect="--port must be a TCP port number from 0 to 65535, got 70000"),
    dict(id="moderation-port-negative", argv=[*SERVE, "--config", "c.toml", "--port", "-1"],
         setup=_write("c.toml", OK_EXPERT), expect="--port must be a TCP port number from 0 to 65535, got -1"),
    dict(id="moderation-port-not-a-number", argv=[*SERVE, "--config", "c.toml", "--port", "http"],
         setup=_write("c.toml", OK_EXPERT), expect="Invalid value for '--port'"),
    dict(id="moderation-database-is-a-directory", argv=[*SERVE, "--config", "c.toml", "--database", "{tmp}"],
         setup=_write("c.toml", OK_EXPERT), expect="is a directory; expected a SQLite file"),
    dict(id="moderation-database-not-sqlite", argv=[*SERVE, "--config", "c.toml", "--database", "notes.txt"],
         setup=_files(c__toml=OK_EXPERT, notes__txt="these are my notes, not a database\n" * 40),
         expect="database notes.txt cannot be used: file is not a database"),
    dict(id="moderation-log-level", argv=[*SERVE, "--config", "c.toml", "--log-level", "loud"],
         setup=_write("c.toml", OK_EXPERT), expect="--log-level must be one of critical, error, warning, info, debug, trace, got 'loud'"),
]
