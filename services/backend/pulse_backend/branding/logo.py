"""Logo validation: the type is sniffed from the bytes (the filename and
Content-Type of the upload are not trusted), raster formats must carry a
well-formed header, and an SVG must be plain drawing: parsed with
defusedxml (no DTDs, entities or external entities) and refused if it holds
scripts, event handlers, foreign objects or references outside itself."""

from __future__ import annotations

import hashlib
import re
import struct
from dataclasses import dataclass
from xml.etree.ElementTree import Element

# No type stubs are published for defusedxml (its API mirrors ElementTree).
import defusedxml.ElementTree as SafeET  # type: ignore[import-untyped]
from defusedxml import DefusedXmlException

from pulse_backend.errors import FieldInvalid
from pulse_common.errors import PulseError

PNG = "image/png"
JPEG = "image/jpeg"
WEBP = "image/webp"
SVG = "image/svg+xml"
SVG_NS = "{http://www.w3.org/2000/svg}"
_FORBIDDEN_ELEMENTS = {"script", "foreignobject", "iframe", "embed", "object", "handler"}
_HREF = re.compile(r"(^|})href$")
_CSS_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.I)
_PI = re.compile(rb"<\?\s*([A-Za-z0-9_.:-]+)")


class LogoRejected(FieldInvalid):
    code = "logo_rejected"

    def __init__(self, message: str) -> None:
        super().__init__("file", message)


class LogoTooLarge(PulseError):
    http_status = 413
    code = "logo_too_large"


@dataclass(frozen=True)
class Logo:
    content_type: str
    data: bytes

    @property
    def etag(self) -> str:
        return hashlib.sha256(self.data).hexdigest()[:32]


def _png(data: bytes) -> bool:
    if not data.startswith(b"\x89PNG\r\n\x1a\n") or len(data) < 33:
        return False
    length, kind = struct.unpack(">I4s", data[8:16])
    width, height = struct.unpack(">II", data[16:24])
    return bool(kind == b"IHDR" and length == 13 and width > 0 and height > 0)


def _jpeg(data: bytes) -> bool:
    return data.startswith(b"\xff\xd8\xff") and data.rstrip(b"\x00").endswith(b"\xff\xd9")


def _webp(data: bytes) -> bool:
    if len(data) < 16 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return False
    (size,) = struct.unpack("<I", data[4:8])
    return size + 8 == len(data) and data[12:16] in {b"VP8 ", b"VP8L", b"VP8X"}


def _looks_like_xml(data: bytes) -> bool:
    # Anything that starts like markup is parsed; the parse decides.
    return data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _check_element(el: Element) -> None:
    name = _local(el.tag)
    if name in _FORBIDDEN_ELEMENTS:
        raise LogoRejected(f"SVG must not contain <{name}> elements")
    for attr, value in el.attrib.items():
        local = _local(attr)
        if local.startswith("on"):
            raise LogoRejected(f"SVG must not contain event handlers ({local} on <{name}>)")
        if _HREF.search(attr) and not value.strip().startswith("#"):
            raise LogoRejected(f"SVG must not reference anything outside itself (<{name}> {local})")
        if local == "style" and (_CSS_URL.search(value) or "@import" in value.lower()):
            raise LogoRejected(f"SVG styles must not load external resources (<{name}>)")
    if name == "style" and el.text and (_CSS_URL.search(el.text) or "@import" in el.text.lower()):
        raise LogoRejected("SVG styles must not load external resources (<style>)")


def check_svg(data: bytes) -> None:
    for match in _PI.finditer(data):
        if match.group(1).lower() != b"xml":
            raise LogoRejected("SVG must not contain processing instructions")
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True)
    except DefusedXmlException:
        raise LogoRejected("SVG must not contain a DTD or entities") from None
    except SafeET.ParseError as exc:
        raise LogoRejected(f"not well-formed XML ({exc.msg})") from None
    if root.tag != f"{SVG_NS}svg":
        raise LogoRejected("the XML document is not an SVG image (root must be svg:svg)")
    for el in root.iter():
        _check_element(el)


def validate(data: bytes, max_bytes: int) -> Logo:
    if len(data) > max_bytes:
        raise LogoTooLarge(f"logo is larger than {max_bytes} bytes")
    if not data:
        raise LogoRejected("the file is empty")
    for content_type, ok in ((PNG, _png), (JPEG, _jpeg), (WEBP, _webp)):
        if ok(data):
            return Logo(content_type, data)
    if _looks_like_xml(data):
        check_svg(data)
        return Logo(SVG, data)
    raise LogoRejected("not a PNG, JPEG, WebP or SVG image (judged by content, not by name)")
