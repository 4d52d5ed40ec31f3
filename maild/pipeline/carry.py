"""Which files an outgoing mail carries, and how the others are named.

One mail carries attachments up to `outbound.attachments_per_mail_bytes` in all, taken in the
mail's order (a file that does not fit is passed over, a smaller one after it may still fit).
Each file left out is named with its size and how to get it (`maild attachment ID`, or
`#attachments ID` for a mail of its own), never dropped without a word.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from maild.outbound.compose import FilePart
from maild.store.models import Attachment


@dataclass(frozen=True)
class Left:
    """A file a mail names instead of carrying."""

    id: int | None  # the stored attachment's id, None for one never stored
    name: str
    size: int
    why: str

    @property
    def size_text(self) -> str:
        return size_text(self.size)


@dataclass(frozen=True)
class Carried:
    files: tuple[FilePart, ...]
    left: tuple[Left, ...]
    ids: tuple[int | None, ...] = ()  # the stored id of each carried file


def size_text(size: int) -> str:
    """A size as people read it: 820 bytes, 34 kB, 2.4 MB."""
    if size < 1000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{size / 1000:.0f} kB"
    return f"{size / 1_000_000:.1f} MB"


def carry(candidates: Sequence[tuple[int | None, FilePart]], total: int | None,
          per_file: int | None = None) -> Carried:
    """The files that fit in `total` bytes (None: any) and `per_file` each; the rest as Left."""
    files: list[FilePart] = []
    ids: list[int | None] = []
    left: list[Left] = []
    used = 0
    for stored_id, part in candidates:
        size = len(part.payload)
        if per_file is not None and size > per_file:
            left.append(Left(stored_id, part.filename, size, f"over the {size_text(per_file)} "
                                                             "a file may have"))
        elif total is not None and used + size > total:
            left.append(Left(stored_id, part.filename, size, f"over the {size_text(total)} "
                                                             "one mail carries in all"))
        else:
            files.append(part)
            ids.append(stored_id)
            used += size
    return Carried(tuple(files), tuple(left), tuple(ids))


def stored_files(rows: Sequence[Attachment]) -> list[tuple[int | None, FilePart]]:
    """Stored attachments as candidates; an inline image keeps its Content-ID, so the HTML that
    shows it still does."""
    return [(row.id, FilePart(row.filename, row.content_type, bytes(row.content),
                              row.content_id if row.inline else None)) for row in rows]


def described(carried: Carried) -> dict[str, list[dict[str, object]]]:
    """What templates say about a mail's files: `attached` and `left` (name, size, id, why)."""
    return {
        "attached": [{"name": f.filename, "size": size_text(len(f.payload)), "id": i,
                      "inline": f.content_id is not None}
                     for f, i in zip(carried.files, carried.ids or (None,) * len(carried.files))],
        "left": [{"name": x.name, "size": x.size_text, "id": x.id, "why": x.why}
                 for x in carried.left],
    }
