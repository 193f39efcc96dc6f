"""Request and callback signatures, checked against ZEGO's own worked examples."""

import hashlib
import re

from zego_helpers.signing import (
    callback_signature,
    request_signature,
    signed_query,
    verify_callback_signature,
)


def test_request_signature_matches_official_example(known_answers):
    case = known_answers["zego-server-api-signature-v2-md5"]
    inputs = case["inputs"]
    signature = request_signature(
        inputs["AppId"], inputs["SignatureNonce"], inputs["ServerSecret"], inputs["Timestamp"]
    )
    assert signature == case["expected"]


def test_signed_query_carries_the_five_public_parameters(known_answers):
    inputs = known_answers["zego-server-api-signature-v2-md5"]["inputs"]
    query = signed_query(
        "ListAgents",
        inputs["AppId"],
        inputs["ServerSecret"],
        timestamp=inputs["Timestamp"],
        nonce=inputs["SignatureNonce"],
    )
    assert query == {
        "Action": "ListAgents",
        "AppId": "12345",
        "SignatureNonce": "4fd24687296dd9f3",
        "Timestamp": "1615186943",
        "Signature": "43e5cfcca828314675f91b001390566a",
        "SignatureVersion": "2.0",
    }
    assert inputs["ServerSecret"] not in query.values()


def test_every_request_gets_a_fresh_16_hex_nonce_and_current_timestamp():
    import time

    secret = "0123456789abcdef0123456789abcdef"
    queries = [signed_query("ListAgents", 1, secret) for _ in range(50)]
    nonces = {q["SignatureNonce"] for q in queries}
    assert len(nonces) == 50
    assert all(re.fullmatch(r"[0-9a-f]{16}", n) for n in nonces)
    assert all(abs(int(q["Timestamp"]) - time.time()) < 5 for q in queries)
    for q in queries:
        material = f"1{q['SignatureNonce']}{secret}{q['Timestamp']}".encode()
        assert q["Signature"] == hashlib.md5(material).hexdigest()


def test_callback_signature_matches_official_example(known_answers):
    case = known_answers["zego-callback-signature-sha1"]
    inputs = case["inputs"]
    assert (
        callback_signature(inputs["callbacksecret"], inputs["timestamp"], inputs["nonce"])
        == case["expected"]
    )
    assert verify_callback_signature(
        inputs["callbacksecret"], inputs["timestamp"], inputs["nonce"], case["expected"]
    )


def test_callback_signature_rejects_other_secret_and_tampered_fields(known_answers):
    inputs = known_answers["zego-callback-signature-sha1"]["inputs"]
    good = callback_signature(inputs["callbacksecret"], inputs["timestamp"], inputs["nonce"])
    assert not verify_callback_signature("other", inputs["timestamp"], inputs["nonce"], good)
    assert not verify_callback_signature(
        inputs["callbacksecret"], "1470820199", inputs["nonce"], good
    )
    assert not verify_callback_signature(inputs["callbacksecret"], inputs["timestamp"], "1", good)


def test_callback_millisecond_timestamps_are_used_as_received():
    # AI Agent callbacks carry 13-digit millisecond timestamps; the string is sorted as is.
    expected = hashlib.sha1("".join(sorted(["s3cret", "1745502313000", "99"])).encode()).hexdigest()
    assert callback_signature("s3cret", 1745502313000, 99) == expected


def test_every_known_answer_names_the_zego_doc_page_it_comes_from(known_answers):
    for answer_id, answer in known_answers.items():
        assert answer["source_url"].startswith("https://www.zegocloud.com/docs/"), answer_id
        assert answer["inputs"] and answer["expected"], answer_id
