"""What AWS STS checks in a SAML response before it trusts it (pure: bytes in, facts out).

Signature verification against the IdP certificates from the IAM SAML provider's metadata,
hardened parsing, validity window and audience. The facts returned are read only from the
*signed* element, so a signature-wrapping attack cannot smuggle in roles.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime

from lxml import etree

NS = {
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    "md": "urn:oasis:names:tc:SAML:2.0:metadata",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
}
ROLE_ATTR = "https://aws.amazon.com/SAML/Attributes/Role"
SESSION_NAME_ATTR = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
AWS_AUDIENCES = {
    "urn:amazon:webservices",
    "urn:amazon:webservices:govcloud",
    "urn:amazon:webservices:cn-north-1",
}
MAX_XML_BYTES = 100_000


class StsFault(Exception):
    """An STS error answer: HTTP status, AWS error code, message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def invalid(message: str) -> StsFault:
    return StsFault(400, "InvalidIdentityToken", message)


@dataclasses.dataclass(frozen=True)
class Assertion:
    issuer: str
    subject: str
    subject_format: str
    recipient: str
    roles: frozenset[tuple[str, str]]  # (role_arn, provider_arn)
    session_name: str | None
    session_not_on_or_after: datetime.datetime | None


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )


def parse_xml(data: bytes) -> etree._Element:
    if len(data) > MAX_XML_BYTES:
        raise invalid("SAML response is too large")
    try:
        root = etree.fromstring(data, _parser())
    except (etree.XMLSyntaxError, ValueError) as err:
        raise invalid(f"Invalid SAML response: not XML ({err})") from None
    if root.getroottree().docinfo.doctype:
        raise invalid("Invalid SAML response: DOCTYPE is not allowed")
    return root


def decode(saml_assertion: str) -> bytes:
    try:
        return base64.b64decode(saml_assertion.strip(), validate=False)
    except (binascii.Error, ValueError):
        raise invalid("Invalid base64 SAMLResponse") from None


def metadata_certs(metadata_document: str) -> tuple[str, list[str]]:
    """(entityID, signing certificates in PEM) from an IdP's SAML metadata."""
    root = parse_xml(metadata_document.encode())
    entity = root if root.tag == f"{{{NS['md']}}}EntityDescriptor" else root.find(".//md:EntityDescriptor", NS)
    if entity is None:
        raise invalid("The SAML provider's metadata has no EntityDescriptor")
    certs = []
    for key in entity.iterfind("md:IDPSSODescriptor/md:KeyDescriptor", NS):
        if key.get("use") in (None, "signing"):
            for cert in key.iterfind(".//ds:X509Certificate", NS):
                b64 = "".join((cert.text or "").split())
                lines = [b64[i : i + 64] for i in range(0, len(b64), 64)]
                certs.append("-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n")
    return entity.get("entityID", ""), certs


def verified_assertion(data: bytes, root: etree._Element, certs: list[str]) -> etree._Element:
    """The Assertion element as covered by a valid signature (response- or assertion-level)."""
    from signxml import SignatureConfiguration, XMLVerifier
    from signxml.exceptions import InvalidInput, InvalidSignature

    candidates = []
    if root.tag == f"{{{NS['samlp']}}}Response" and root.find("ds:Signature", NS) is not None:
        candidates.append(data)
    for assertion in root.iterfind(".//saml:Assertion", NS):
        if assertion.find("ds:Signature", NS) is not None:
            candidates.append(etree.tostring(assertion))
    if not candidates:
        raise invalid("Invalid SAML response: it is not signed")
    config = SignatureConfiguration(location="./", expect_references=1)
    last = "no certificate in the provider's metadata"
    for candidate in candidates:
        for cert in certs:
            try:
                result = XMLVerifier().verify(candidate, x509_cert=cert, expect_config=config)
            except (InvalidSignature, InvalidInput, etree.XMLSyntaxError, ValueError) as err:
                last = str(err)
                continue
            signed = result.signed_xml
            if signed.tag == f"{{{NS['saml']}}}Assertion":
                return signed
            found = signed.findall("saml:Assertion", NS)
            if len(found) == 1:
                return found[0]
            raise invalid("Invalid SAML response: expected exactly one assertion")
    raise invalid(f"Invalid SAML response: signature verification failed ({last})")


def _time(value: str | None) -> datetime.datetime | None:
    if not value:
        return None
    try:
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise invalid(f"Invalid SAML response: bad time {value!r}") from None


def check_response_status(root: etree._Element) -> None:
    code = root.find("samlp:Status/samlp:StatusCode", NS)
    if code is not None and not code.get("Value", "").endswith(":Success"):
        raise invalid(f"SAML response status is {code.get('Value')}")
    if root.find(".//saml:EncryptedAssertion", NS) is not None:
        raise invalid("Encrypted assertions are not supported by this test STS")


def check_window(assertion: etree._Element, now: datetime.datetime) -> None:
    conditions = assertion.find("saml:Conditions", NS)
    limits = [
        _time(c.get("NotOnOrAfter"))
        for c in assertion.iterfind("saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData", NS)
    ]
    if conditions is not None:
        limits.append(_time(conditions.get("NotOnOrAfter")))
        not_before = _time(conditions.get("NotBefore"))
        if not_before and now < not_before - datetime.timedelta(minutes=5):
            raise invalid("Invalid SAML response: assertion is not yet valid")
    if any(limit is not None and now >= limit for limit in limits):
        raise StsFault(400, "ExpiredTokenException", "Token must be fresh")
    audiences = {
        (a.text or "").strip() for a in assertion.iterfind("saml:Conditions/saml:AudienceRestriction/saml:Audience", NS)
    }
    if not audiences & AWS_AUDIENCES:
        raise invalid(f"Invalid SAML response: audience {sorted(audiences)} is not AWS")


def _values(assertion: etree._Element, name: str) -> list[str]:
    return [
        (v.text or "").strip()
        for v in assertion.iterfind(f"saml:AttributeStatement/saml:Attribute[@Name='{name}']/saml:AttributeValue", NS)
    ]


def role_pairs(values: list[str]) -> frozenset[tuple[str, str]]:
    """AWS accepts "role,provider" in either order, with spaces around the parts."""
    pairs = set()
    for value in values:
        parts = [p.strip() for p in value.split(",")]
        if len(parts) != 2:
            continue
        kinds = {p.split(":")[5].split("/")[0] if p.count(":") >= 5 else "": p for p in parts}
        if set(kinds) == {"role", "saml-provider"}:
            pairs.add((kinds["role"], kinds["saml-provider"]))
    return frozenset(pairs)


def facts(assertion: etree._Element) -> Assertion:
    name_id = assertion.find("saml:Subject/saml:NameID", NS)
    confirmation = assertion.find("saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData", NS)
    authn = assertion.find("saml:AuthnStatement", NS)
    names = _values(assertion, SESSION_NAME_ATTR)
    return Assertion(
        issuer=(assertion.findtext("saml:Issuer", "", NS) or "").strip(),
        subject=(name_id.text or "").strip() if name_id is not None else "",
        subject_format=name_id.get("Format", "") if name_id is not None else "",
        recipient=confirmation.get("Recipient", "") if confirmation is not None else "",
        roles=role_pairs(_values(assertion, ROLE_ATTR)),
        session_name=names[0] if len(names) == 1 else None,
        session_not_on_or_after=_time(authn.get("SessionNotOnOrAfter")) if authn is not None else None,
    )


def check(saml_assertion: str, metadata_document: str, now: datetime.datetime) -> Assertion:
    """Everything STS checks in the assertion itself; raises StsFault."""
    data = decode(saml_assertion)
    root = parse_xml(data)
    check_response_status(root)
    entity_id, certs = metadata_certs(metadata_document)
    assertion = verified_assertion(data, root, certs)
    check_window(assertion, now)
    result = facts(assertion)
    if entity_id and result.issuer != entity_id:
        raise invalid("Issuer not present in specified provider")
    return result
