"""Pure SAML handling: decode what the browser captured, parse it safely, read what AWS needs.

Works on bytes and returns typed values or raises :class:`SamlError` / :class:`NoRoleError`.
The assertion is a bearer token: no message raised here ever quotes it. lxml is imported inside
the parsing function so that importing this module stays cheap (``--help`` must be fast).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
import urllib.parse

from .errors import NoRoleError, SamlError
from .models import Assertion, Role

#: Largest SAML response XML accepted (decoded bytes). STS itself takes at most 100,000 base64
#: characters; the margin lets a verbose IdP's answer reach STS and be refused there, clearly.
MAX_SAML_BYTES = 1_000_000
#: Largest raw input accepted, checked before any decoding: base64 of MAX_SAML_BYTES, line breaks
#: and URL-encoding of it fit well within this.
MAX_INPUT_BYTES = 4 * MAX_SAML_BYTES

ROLE_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/Role"
SESSION_NAME_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
SESSION_DURATION_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
STATUS_SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"

_ROLE_ARN = re.compile(r"arn:(aws[a-z-]*):iam::(\d{12}):role/[\w+=,.@/-]+", re.ASCII)
_PROVIDER_ARN = re.compile(r"arn:(aws[a-z-]*):iam::(\d{12}):saml-provider/[\w.-]+", re.ASCII)
_SIGNIN_HOST = re.compile(
    r"(?:(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)\.)?signin\."
    r"(?P<domain>aws\.amazon\.com|amazonaws-us-gov\.com|amazonaws\.cn)"
)
_DOMAIN_PARTITION = {
    "aws.amazon.com": "aws",
    "amazonaws-us-gov.com": "aws-us-gov",
    "amazonaws.cn": "aws-cn",
}
_TIMESTAMP = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?")
_BASE64_WS = re.compile(rb"[ \t\r\n]+")

_NOT_SAML = "not a SAML response"
_DTD_REFUSED = "refused: the SAML response contains a DTD"
_ENCRYPTED = (
    "the assertion is encrypted; AWS needs it unencrypted — ask your IdP admin to turn off "
    "assertion encryption for the AWS app"
)


def _too_big(size: int) -> SamlError:
    return SamlError(
        f"the SAML response is too big ({size:,} bytes; the limit is {MAX_SAML_BYTES:,})",
        hint="this is not an answer an IdP sends for AWS; check the IdP URL",
    )


def decode_saml_response(data: bytes | str) -> tuple[str, bytes]:
    """Return ``(base64 text for STS, XML bytes)`` from any shape the response arrives in.

    Accepted: base64 (with or without line breaks, optionally URL-encoded), a form body
    ``SAMLResponse=...&RelayState=...``, or the XML itself.
    """
    raw = _as_bytes(data)
    if len(raw) > MAX_INPUT_BYTES:
        raise _too_big(len(raw))
    raw = raw.strip()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:].lstrip()
    if raw.startswith(b"<"):
        xml = raw
    else:
        xml = _b64decode(_form_value(raw))
    if len(xml) > MAX_SAML_BYTES:
        raise _too_big(len(xml))
    if not xml.lstrip().startswith((b"<", b"\xef\xbb\xbf<")):
        raise SamlError(f"{_NOT_SAML}: the decoded data is not XML")
    return base64.b64encode(xml).decode("ascii"), xml


def _as_bytes(data: bytes | str) -> bytes:
    if isinstance(data, str):
        try:
            return data.encode("utf-8")
        except UnicodeEncodeError:
            raise SamlError(f"{_NOT_SAML}: the text is not valid Unicode") from None
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise TypeError(f"expected bytes or str, got {type(data).__name__}")


def _form_value(raw: bytes) -> bytes:
    """Take SAMLResponse out of a form body; undo URL-encoding of bare base64."""
    if b"=" in raw and (b"&" in raw or raw.startswith(b"SAMLResponse=")):
        fields = dict(part.partition(b"=")[::2] for part in raw.split(b"&"))
        value = fields.get(b"SAMLResponse")
        if value is None:
            raise SamlError(f"{_NOT_SAML}: the form has no SAMLResponse field")
        # Browsers encode '+' as %2B; a value with no '%' at all was never encoded, so a '+' in
        # it is base64's own '+', not an encoded space.
        if b"%" not in value:
            return value
        return urllib.parse.unquote_plus(value.decode("latin-1"), encoding="latin-1").encode("latin-1")
    if b"%" in raw:  # bare base64 that was URL-encoded on its own; '+' here is a real '+'
        return urllib.parse.unquote_to_bytes(raw)
    return raw


def _b64decode(text: bytes) -> bytes:
    compact = _BASE64_WS.sub(b"", text)
    if len(compact) * 3 // 4 > MAX_SAML_BYTES:
        raise _too_big(len(compact) * 3 // 4)
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise SamlError(f"{_NOT_SAML}: neither XML nor base64") from None


def _refuse_dtd_bytes(xml: bytes) -> None:
    """Cheap first line of defence, before libxml2 sees anything."""
    if b"\x00" in xml:  # also rules out UTF-16/32, which would hide '<!DOCTYPE' from the check
        raise SamlError(f"{_NOT_SAML}: it contains NUL bytes")
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        raise SamlError(_DTD_REFUSED, hint="a genuine IdP never sends one; do not use this response")


def _parse_xml(xml: bytes):  # -> lxml.etree._Element
    """Parse with every dangerous libxml2 feature off; any DTD is refused outright."""
    from lxml import etree

    _refuse_dtd_bytes(xml)
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        # libxml2's message can quote the document: give only where it broke.
        line = getattr(exc, "lineno", None) or getattr(exc, "position", (None,))[0]
        what = "nested too deeply" if "depth" in str(exc).lower() else "malformed XML"
        raise SamlError(f"{_NOT_SAML}: {what} (line {line})") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise SamlError(_DTD_REFUSED, hint="a genuine IdP never sends one; do not use this response")
    return root


def parse_assertion(data: bytes | str) -> Assertion:
    """Decode and parse a SAMLResponse (or a bare Assertion) into what the login needs."""
    saml_response, xml = decode_saml_response(data)
    root = _parse_xml(xml)
    local = _localname(root)
    if local not in ("Response", "Assertion"):
        raise SamlError(f"{_NOT_SAML}: the document is a <{local[:40]}>, not a SAML Response")
    if local == "Response":
        _check_status(root)
    assertion = _the_assertion(root)
    attributes = _attributes(assertion) if assertion is not None else {}
    roles = _roles(attributes.get(ROLE_ATTRIBUTE, []))
    if not roles:
        _raise_no_role(root, ROLE_ATTRIBUTE in attributes)
    destination = _destination(root)
    partition, region = _endpoint_partition_region(destination)
    return Assertion(
        saml_response=saml_response,
        roles=roles,
        session_name=_first(attributes.get(SESSION_NAME_ATTRIBUTE)),
        session_duration=_duration(_first(attributes.get(SESSION_DURATION_ATTRIBUTE))),
        not_on_or_after=_not_on_or_after(assertion) if assertion is not None else None,
        destination=destination,
        partition=partition or roles[0].partition,
        region=region,
    )


def _localname(element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _check_status(root) -> None:
    codes = [
        (el.get("Value") or "").strip() for status in root.findall("{*}Status") for el in status.iter("{*}StatusCode")
    ]
    if codes and codes[0] != STATUS_SUCCESS:
        shown = " / ".join(code.rsplit(":", 1)[-1][:80] for code in codes if code)
        raise SamlError(
            f"the IdP answered with SAML status {shown or 'without a status code'}",
            hint="the IdP refused the sign-on; its administrator can see why in the IdP's logs",
        )


def _the_assertion(root):  # -> lxml element or None
    """The one assertion STS reads: a bare Assertion, or the Assertion child of the Response.

    Not every Assertion in the document: one wrapped elsewhere (in Extensions, in another
    assertion's Signature, ...) is not signed by the IdP as STS checks it, and its roles would
    be offered as granted (the strict emulator, devstack/samlcheck.py, takes the Assertion child
    of the signed Response and refuses more than one, as AWS does)."""
    if _localname(root) == "Assertion":
        return root
    found = root.findall("{urn:oasis:names:tc:SAML:2.0:assertion}Assertion")
    if len(found) > 1:
        raise SamlError(f"the SAML response holds {len(found)} assertions; AWS takes exactly one")
    return found[0] if found else None


def _attributes(assertion) -> dict[str, list[str]]:
    """The values of the assertion's own attributes by Name (its AttributeStatements only)."""
    found: dict[str, list[str]] = {}
    for attribute in assertion.iterfind("{*}AttributeStatement/{*}Attribute"):
        name = (attribute.get("Name") or "").strip()
        values = found.setdefault(name, [])
        for value in attribute.iterchildren("{*}AttributeValue"):
            values.append("".join(value.itertext()).strip())
    return found


def _roles(values: list[str]) -> tuple[Role, ...]:
    """Role/provider pairs in either order; anything else (offline_access, ...) is ignored."""
    roles = set()
    for value in values:
        parts = [part.strip() for part in value.split(",")]
        if len(parts) != 2:
            continue
        if _PROVIDER_ARN.fullmatch(parts[0]):
            parts.reverse()
        role, provider = _ROLE_ARN.fullmatch(parts[0]), _PROVIDER_ARN.fullmatch(parts[1])
        if role and provider and role.group(1) == provider.group(1):
            roles.add(Role(role_arn=parts[0], principal_arn=parts[1]))
    return tuple(sorted(roles))


def _raise_no_role(root, had_attribute: bool) -> None:
    if next(root.iter("{*}EncryptedAssertion", "{*}EncryptedAttribute"), None) is not None:
        raise SamlError(_ENCRYPTED, hint="")
    if had_attribute:
        raise NoRoleError("the IdP granted no AWS role: the Role attribute holds no role/provider ARN pair")
    raise NoRoleError(f"the IdP granted no AWS role: the assertion has no {ROLE_ATTRIBUTE} attribute")


def _first(values: list[str] | None) -> str | None:
    for value in values or ():
        if value:
            return value
    return None


def _duration(text: str | None) -> int | None:
    if text is None or not text.isascii() or not text.isdigit():
        return None
    seconds = int(text)
    return seconds if seconds > 0 else None


def _not_on_or_after(root) -> dt.datetime | None:
    """The earliest NotOnOrAfter of the subject confirmation and the conditions."""
    times = [
        parse_saml_time(el.get("NotOnOrAfter"))
        for path in ("{*}Subject/{*}SubjectConfirmation/{*}SubjectConfirmationData", "{*}Conditions")
        for el in root.iterfind(path)
    ]
    times = [t for t in times if t is not None]
    return min(times) if times else None


def parse_saml_time(text: str | None) -> dt.datetime | None:
    """xs:dateTime as SAML IdPs write it (``Z``, offsets, 0-9 fraction digits) -> aware UTC."""
    match = _TIMESTAMP.fullmatch((text or "").strip())
    if not match:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    micro = int((match.group(7) or "0")[:6].ljust(6, "0"))
    zone = match.group(8)
    tz = dt.timezone.utc
    try:
        if zone and zone != "Z":  # an offset of 24 h or more (+99:00) is refused by timezone()
            sign = -1 if zone[0] == "-" else 1
            tz = dt.timezone(sign * dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
        moment = dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
    except ValueError:
        return None
    return moment.astimezone(dt.timezone.utc)


def _destination(root) -> str | None:
    """The Response's Destination; for a bare Assertion, its subject confirmation Recipient."""
    destination = root.get("Destination") if _localname(root) == "Response" else None
    if not destination:
        data = next(root.iter("{*}SubjectConfirmationData"), None)
        destination = data.get("Recipient") if data is not None else None
    return destination.strip() if destination else None


def _endpoint_partition_region(url: str | None) -> tuple[str | None, str | None]:
    """Partition and region of an AWS SAML sign-in URL; (None, None) for any other URL."""
    if not url:
        return None, None
    try:
        host = (urllib.parse.urlsplit(url).hostname or "").lower()
    except ValueError:
        return None, None
    match = _SIGNIN_HOST.fullmatch(host)
    if not match:
        return None, None
    return _DOMAIN_PARTITION[match.group("domain")], match.group("region")
