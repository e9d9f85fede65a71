"""codex-guard vs Yelp detect-secrets on the secrets corpus: recall, false positives, time.

Usage::

    .venv/bin/python bench/secrets_compare.py [--corpus PATH] [--markdown]

detect-secrets (PyPI, pinned below) is installed on first use with
``pip install --target bench/.cache/detect-secrets`` (gitignored) and imported from there, so the
project's own environment is untouched. It is run the way shared/docs/secret-detection.md §7.1
ran it: default plugins and filters, each row's text written to a file ``prompt.txt`` and scanned
with ``SecretsCollection.scan_file``.

Measures (bench/secrets_corpus.py): rows flagged (positives with any finding / negatives with
any finding) for both tools; kind recall only for codex-guard (detect-secrets' types are not
the corpus kinds); wall time of the whole corpus, after one warm-up row each (imports, regex
compilation).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import secrets_corpus

DETECT_SECRETS = "detect-secrets==1.5.0"
CACHE = secrets_corpus.HERE / ".cache" / "detect-secrets"


def _ensure_detect_secrets() -> None:
    if not (CACHE / "detect_secrets").is_dir():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--target",
                str(CACHE),
                DETECT_SECRETS,
            ],
            check=True,
        )
    sys.path.insert(0, str(CACHE))


def detect_secrets_detector() -> object:
    """A ``text -> set of detect-secrets types`` function (default settings, file scan)."""
    _ensure_detect_secrets()
    from detect_secrets import SecretsCollection  # type: ignore[import-not-found]
    from detect_secrets.settings import default_settings  # type: ignore[import-not-found]

    tmp = Path(tempfile.mkdtemp(prefix="ds-bench-"))
    path = tmp / "prompt.txt"

    def detect(text: str) -> set[str]:
        path.write_text(text, encoding="utf-8")
        with default_settings():
            coll = SecretsCollection()
            coll.scan_file(str(path))
        return {s.type for _, s in coll}

    return detect


def _timed(rows: list[dict[str, object]], detect: object) -> tuple[secrets_corpus.Score, float]:
    detect(str(rows[0]["text"]))  # type: ignore[operator]  # warm-up
    t0 = time.perf_counter()
    s = secrets_corpus.score(rows, detect)  # type: ignore[arg-type]
    return s, time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=secrets_corpus.corpus_path())
    args = ap.parse_args()
    if args.corpus is None:
        sys.stderr.write("secrets corpus not found; pass --corpus\n")
        return 2
    rows = secrets_corpus.load(args.corpus)
    cg, cg_t = _timed(rows, secrets_corpus.codex_guard_detect)
    ds, ds_t = _timed(rows, detect_secrets_detector())
    n = len(rows)
    print(f"corpus: {args.corpus} ({n} rows: {cg.positives} positive, {cg.negatives} negative)\n")
    print(
        "| tool | positive rows flagged | kind recall | negative rows flagged "
        "| time (corpus) | per row |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, s, t, recall in (
        ("codex-guard", cg, cg_t, f"{cg.pairs_found}/{cg.pairs} = {cg.recall:.1%}"),
        (DETECT_SECRETS, ds, ds_t, "n/a (other kinds)"),
    ):
        pos_rate = s.positives_flagged / s.positives
        print(
            f"| {name} | {s.positives_flagged}/{s.positives} = {pos_rate:.1%} "
            f"| {recall} | {s.negatives_flagged}/{s.negatives} = {s.negative_rate:.1%} "
            f"| {t * 1000:.0f} ms | {t / n * 1000:.2f} ms |"
        )
    print("\ncodex-guard per-kind recall:\n")
    print(secrets_corpus.per_kind_table(cg))
    print("\ncodex-guard negatives flagged:", cg.flagged_negatives or "none")
    print("detect-secrets negatives flagged:", len(ds.flagged_negatives))
    for line in ds.flagged_negatives:
        print("  ", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
