"""The email corpus (`corpus/`) and what each mail must decode to (`corpus/manifest.toml`).

Run as a module to count how many mails the decoder reads right, without any server:
`python -m tests.channels.email.corpus` (add `-v` for every mail's verdict).
"""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from channels.email.mime import parse_mail

CORPUS = Path(__file__).parent / "corpus"


@dataclass(frozen=True)
class Expected:
    file: str
    kind: str  # "customer" or "noise"
    sender: str | None = None
    name: str | None = None
    subject: str | None = None
    text: str | None = None
    category: str | None = None
    attachments: tuple[str, ...] = ()
    inline: str | None = None  # Content-ID of an inline image
    refused: bool = False

    @property
    def raw(self) -> bytes:
        return (CORPUS / self.file).read_bytes()


def load() -> list[Expected]:
    """Every mail of the corpus with its expectations, in the manifest's order (a duplicate
    comes after the mail it repeats)."""
    manifest = tomllib.loads((CORPUS / "manifest.toml").read_text("utf-8"))
    files = sorted(p.name for p in CORPUS.glob("*.eml"))
    missing = set(files) ^ set(manifest)
    assert not missing, f"corpus and manifest differ: {sorted(missing)}"
    return [
        Expected(
            file=name,
            **{**manifest[name], "attachments": tuple(manifest[name].get("attachments", ()))},
        )
        for name in manifest
    ]


def decoding_problems(expected: Expected) -> list[str]:
    """What the decoder got wrong in one mail: sender, name, subject, text, attachments."""
    mail = parse_mail(expected.raw)
    problems = []
    if expected.sender is not None and mail.sender_address != expected.sender:
        problems.append(f"sender {mail.sender_address!r}")
    if expected.name is not None and mail.sender_name != expected.name:
        problems.append(f"name {mail.sender_name!r}")
    if expected.subject is not None and mail.subject != expected.subject:
        problems.append(f"subject {mail.subject!r}")
    if expected.text is not None and expected.text not in f"{mail.text}\n{mail.subject}":
        problems.append(f"text {mail.text[:60]!r}")
    names = [a.filename for a in mail.attachments]
    if not set(expected.attachments) <= set(names):
        problems.append(f"attachments {names}")
    return problems


def main() -> int:
    corpus = load()
    wrong = 0
    for expected in corpus:
        problems = decoding_problems(expected)
        wrong += bool(problems)
        if problems or "-v" in sys.argv:
            print(f"{expected.file}: {'; '.join(problems) or 'ok'}")
    print(f"decoded right: {len(corpus) - wrong} of {len(corpus)} mails")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
