"""What a file says about itself: ID3 tags and chapters for MP3, Vorbis-comment
chapters for Ogg, Opus and FLAC (mutagen)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from voiceguide.errors import ExportError
from voiceguide.timeline import stamp


@dataclass(frozen=True)
class Tags:
    """What the file says about itself, as players show it."""

    title: str
    album: str
    artist: str
    genre: str
    comment: str
    length_ms: int
    chapters: tuple[tuple[str, int, int], ...] = ()
    """(title, start ms, end ms), contiguous, the last ending at ``length_ms``."""
    language: str = "en"
    """The language spoken, a BCP 47 tag (Vorbis comments' LANGUAGE)."""
    iso639_2: str = "eng"
    """The same as ID3's TLAN and ffmpeg's stream language want it."""
    track: str = ""
    """Its place on the album (``"2/3"``: a programme's second session of three), or none."""


VORBIS_CHAPTERS = ("ogg", "opus", "flac")
"""Formats whose chapters are Vorbis comments."""


def tag_vorbis_chapters(path: Path, fmt: str, tags: Tags) -> None:
    """Chapters as Vorbis comments (``CHAPTER000=00:00:00.000``, ``CHAPTER000NAME=...``),
    the convention players and ffmpeg read in Ogg Vorbis and FLAC files."""
    from mutagen.flac import FLAC
    from mutagen.oggopus import OggOpus
    from mutagen.oggvorbis import OggVorbis

    audio = {"ogg": OggVorbis, "opus": OggOpus, "flac": FLAC}[fmt](str(path))
    audio["LANGUAGE"] = tags.language
    for index, (title, start, _) in enumerate(tags.chapters):
        audio[f"CHAPTER{index:03d}"] = stamp(start)
        audio[f"CHAPTER{index:03d}NAME"] = title
    try:
        audio.save()
    except OSError as exc:
        raise ExportError(f"could not write chapters: {exc.strerror}") from exc


def _in_order_id3():
    """mutagen's ID3, saving frames in the order they were added. mutagen sorts frames
    by size when saving, which puts CHAP frames out of time order, and readers such as
    ffmpeg list chapters in the order of their frames."""
    from mutagen.id3 import ID3
    from mutagen.id3._tags import save_frame

    class InOrder(ID3):
        def _write(self, config):
            return b"".join(save_frame(frame, config=config) for frame in self.values())

    return InOrder()


def tag_mp3(path: Path, tags: Tags) -> None:
    """ID3v2.3 tags (the version older players read) with one CHAP frame a chapter, in
    time order, and a top-level, ordered CTOC listing them: without the CTOC some apps
    show no chapters."""
    from mutagen.id3 import CHAP, COMM, CTOC, TALB, TCON, TIT2, TLAN, TLEN, TPE1, TRCK, CTOCFlags

    tag = _in_order_id3()
    tag.add(TIT2(encoding=3, text=tags.title))
    tag.add(TALB(encoding=3, text=tags.album))
    if tags.track:
        tag.add(TRCK(encoding=3, text=tags.track))
    tag.add(TPE1(encoding=3, text=tags.artist))
    tag.add(TCON(encoding=3, text=tags.genre))
    tag.add(COMM(encoding=3, lang="eng", desc="", text=tags.comment))
    tag.add(TLAN(encoding=3, text=tags.iso639_2))
    tag.add(TLEN(encoding=3, text=str(tags.length_ms)))
    ids = [f"chp{index}" for index in range(len(tags.chapters))]
    if ids:
        tag.add(
            CTOC(
                element_id="toc",
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=ids,
                sub_frames=[TIT2(encoding=3, text=tags.title)],
            )
        )
    for element, (title, start, end) in zip(ids, tags.chapters):
        tag.add(
            CHAP(
                element_id=element,
                start_time=start,
                end_time=end,
                start_offset=0xFFFFFFFF,
                end_offset=0xFFFFFFFF,
                sub_frames=[TIT2(encoding=3, text=title)],
            )
        )
    try:
        tag.save(str(path), v2_version=3)
    except OSError as exc:
        raise ExportError(f"could not write tags: {exc.strerror}") from exc


def tag_file(path: Path, fmt: str, tags: Tags) -> None:
    """Write what ffmpeg does not: MP3's ID3 tags, Vorbis-comment chapters."""
    if fmt == "mp3":
        tag_mp3(path, tags)
    elif fmt in VORBIS_CHAPTERS:
        tag_vorbis_chapters(path, fmt, tags)
