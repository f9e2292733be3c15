"""ClinicalTrials.gov records: API v2 study objects and legacy ``<clinical_study>`` XML.

Both carry the criteria as a separate field, so ``is_page`` is False and the structured
fields (ages, sex, healthy volunteers) come from the registry, not from text.  Legacy XML
is parsed with defusedxml: entity declarations (billion laughs) and external references
are refused, never expanded.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

import defusedxml
import defusedxml.ElementTree as SafeET

from ..types import ReadError, SourceRecord
from .encoding import decode, normalise_newlines
from .fields import structured_fields

V2_FORMAT = "ctgov_v2"
XML_FORMAT = "ctgov_xml"
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""")
_XML_PROLOG = re.compile(r"^\s*<\?xml[^>]*\?>")


def is_v2_study(value: Any) -> bool:
    return isinstance(value, Mapping) and "protocolSection" in value


def study_record(
    study: Mapping[str, Any], *, source: str, fallback_id: str | None
) -> SourceRecord | ReadError:
    """One API v2 study object (``{"protocolSection": {...}, ...}``) as a record."""
    protocol = study.get("protocolSection")
    if not isinstance(protocol, Mapping):
        return ReadError(source, f"'protocolSection' must be an object, got {_kind(protocol)}")
    identification = _module(protocol, "identificationModule")
    eligibility = _module(protocol, "eligibilityModule")
    if identification is None or eligibility is None:
        bad = "identificationModule" if identification is None else "eligibilityModule"
        return ReadError(
            source, f"'protocolSection.{bad}' must be an object, got {_kind(protocol[bad])}"
        )
    warnings: list[str] = []
    nct_id = identification.get("nctId")
    if not isinstance(nct_id, str) or not nct_id.strip():
        nct_id = fallback_id
        using = f"; using {fallback_id!r}" if fallback_id else ""
        warnings.append(f"no protocolSection.identificationModule.nctId{using}")
    text = eligibility.get("eligibilityCriteria")
    if text is None:
        text = ""
        warnings.append("no eligibilityModule.eligibilityCriteria; the criteria text is empty")
    elif not isinstance(text, str):
        return ReadError(source, f"eligibilityCriteria must be text, got {_kind(text)}", nct_id)
    structured, field_warnings = structured_fields(
        minimum_age=eligibility.get("minimumAge"),
        maximum_age=eligibility.get("maximumAge"),
        sex=eligibility.get("sex"),
        healthy_volunteers=eligibility.get("healthyVolunteers"),
        std_ages=eligibility.get("stdAges"),
    )
    return SourceRecord(
        text=normalise_newlines(text),
        source=source,
        format=V2_FORMAT,
        trial_id=nct_id.strip() if nct_id else nct_id,
        structured=structured,
        is_page=False,
        warnings=tuple(warnings + field_warnings),
    )


def _module(protocol: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    """A v2 module; an absent one reads as empty, a non-object one as None (an error)."""
    value = protocol.get(name, {})
    return value if isinstance(value, Mapping) else None


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def xml_record(data: bytes, *, source: str, stem: str) -> SourceRecord | ReadError:
    """A legacy ClinicalTrials.gov ``<clinical_study>`` XML document as a record."""
    warnings: list[str] = []
    try:
        root = _parse_xml(data, warnings)
    except defusedxml.DTDForbidden:
        return ReadError(source, "refused: the XML has a DTD, which is not allowed")
    except defusedxml.EntitiesForbidden:
        return ReadError(
            source, "refused: the XML declares entities (possible entity-expansion attack)"
        )
    except defusedxml.ExternalReferenceForbidden:
        return ReadError(source, "refused: the XML references external resources")
    except ET.ParseError as error:
        return ReadError(source, f"invalid XML: {error}")
    _strip_namespaces(root)
    if root.tag != "clinical_study":
        return ReadError(source, f"root element is <{root.tag}>, expected <clinical_study>")
    nct_id = (root.findtext("id_info/nct_id") or "").strip()
    if not nct_id:
        nct_id = stem
        warnings.append(f"no id_info/nct_id; using {stem!r}")
    eligibility = root.find("eligibility")
    textblock = root.find("eligibility/criteria/textblock")
    if textblock is None:
        text = ""
        warnings.append("no eligibility/criteria/textblock; the criteria text is empty")
    else:
        text = "".join(textblock.itertext())

    def field(name: str) -> str | None:
        return eligibility.findtext(name) if eligibility is not None else None

    structured, field_warnings = structured_fields(
        minimum_age=field("minimum_age"),
        maximum_age=field("maximum_age"),
        sex=field("gender"),
        healthy_volunteers=field("healthy_volunteers"),
    )
    return SourceRecord(
        text=normalise_newlines(text),
        source=source,
        format=XML_FORMAT,
        trial_id=nct_id,
        structured=structured,
        is_page=False,
        warnings=tuple(warnings + field_warnings),
    )


def _parse_xml(data: bytes, warnings: list[str]) -> ET.Element:
    """Parse bytes as the prolog declares; text that is not valid there goes through decode()."""
    declared = _XML_ENCODING.match(data)
    encoding = declared[1].decode("ascii") if declared else "utf-8"
    try:
        if not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
            data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        decoded = decode(data)
        warnings.extend(decoded.warnings)
        # The text is already decoded; a stale encoding declaration would mislead expat.
        text = _XML_PROLOG.sub("", decoded.text, count=1)
        return _safe_parse(text)
    return _safe_parse(data)


def _safe_parse(document: str | bytes) -> ET.Element:
    root: ET.Element = SafeET.fromstring(
        document, forbid_dtd=False, forbid_entities=True, forbid_external=True
    )
    return root


def _strip_namespaces(root: ET.Element) -> None:
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith("{"):
            element.tag = element.tag.split("}", 1)[1]
