"""Writing one benchmark's section of the results file, leaving the others as they are."""

from __future__ import annotations

from pathlib import Path


def replace_section(out: Path, heading: str, section: str) -> None:
    """Put `section` (which starts with `heading`) in place of the file's section under `heading`, or at its end."""
    text = out.read_text(encoding="utf-8") if out.exists() else "# Benchmark results\n"
    if heading in text:
        before, _, after = text.partition(heading)
        rest = after.split("\n## ", 1)
        text = before + section + ("\n## " + rest[1] if len(rest) > 1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    out.write_text(text, encoding="utf-8")
