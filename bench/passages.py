"""Passages of the real kb/ chunked by this checkout and by another commit, compared.

Why: a chunker change (CHUNKER_VERSION) should change passages only where it means to. This
chunks kb/ with both versions of bot/ (the other one taken with ``git archive``, run in a child
process) and prints every passage whose id, heading path, anchor, text or lines differ, and every
document whose title differs. Chunked three ways: the model's token limit (256), a small limit
(64, so many sections are split into parts) and no limit.

    PYTHONPATH=. python bench/passages.py --against main
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

_DUMP = """
import json, sys
from pathlib import Path
from bot.corpus import chunk_document, read_documents
from bot.encoder import _counting_tokenizer, bundled_model_path

tokenizer = _counting_tokenizer(str(bundled_model_path()))
count = lambda text: len(tokenizer.encode(text).ids)
documents, problems = read_documents(Path(sys.argv[1]))
out = {"titles": {d.path: d.title for d in documents}, "problems": [str(p) for p in problems]}
for name, counter, limit in (("limit 256", count, 256), ("limit 64", count, 64), ("no limit", lambda _t: 0, 256)):
    out[name] = [p.to_dict() for d in documents for p in chunk_document(d, counter, limit)]
print(json.dumps(out))
"""


def dump(code_root: Path, kb: Path) -> dict:
    """The titles and passages of kb as the bot/ under code_root chunks them."""
    result = subprocess.run([sys.executable, "-c", _DUMP, str(kb)], capture_output=True, text=True, check=True,
                            cwd=code_root, env={"PYTHONPATH": str(code_root), "HF_HUB_OFFLINE": "1"})
    return json.loads(result.stdout)


def differences(before: dict, after: dict) -> list[str]:
    """One line per title, problem or passage that is not the same in both."""
    lines = [f"title of {path}: {before['titles'].get(path)!r} -> {after['titles'].get(path)!r}"
             for path in sorted(set(before["titles"]) | set(after["titles"]))
             if before["titles"].get(path) != after["titles"].get(path)]
    if before["problems"] != after["problems"]:
        lines.append(f"skipped files: {before['problems']} -> {after['problems']}")
    for way in ("limit 256", "limit 64", "no limit"):
        old = {p["id"]: p for p in before[way]}
        new = {p["id"]: p for p in after[way]}
        for pid in sorted(set(old) | set(new)):
            if pid not in new:
                lines.append(f"[{way}] gone: {pid} (lines {old[pid]['line_start']}-{old[pid]['line_end']})")
            elif pid not in old:
                lines.append(f"[{way}] new: {pid} (lines {new[pid]['line_start']}-{new[pid]['line_end']})")
            elif old[pid] != new[pid]:
                fields = [k for k in old[pid] if old[pid][k] != new[pid].get(k)]
                lines.append(f"[{way}] changed: {pid}: {', '.join(fields)}")
        if [p["id"] for p in before[way]] != [p["id"] for p in after[way]] and not lines:
            lines.append(f"[{way}] same passages in another order")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", default="main", help="the commit to compare with (default: main)")
    parser.add_argument("--kb", type=Path, default=REPO / "kb", help="the knowledge base to chunk (default: kb/)")
    args = parser.parse_args()
    archive = subprocess.run(["git", "archive", args.against, "bot"], cwd=REPO, capture_output=True, check=True)
    with tempfile.TemporaryDirectory() as other:
        with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
            tar.extractall(other, filter="data")
        before, after = dump(Path(other), args.kb.resolve()), dump(REPO, args.kb.resolve())
    counts = ", ".join(f"{way}: {len(after[way])}" for way in ("limit 256", "limit 64", "no limit"))
    print(f"{len(after['titles'])} documents; passages {counts}")
    found = differences(before, after)
    print("\n".join(found) if found else f"identical to {args.against}")


if __name__ == "__main__":
    main()
