"""The floor for a headless SAML login: only the steps no tool can avoid, in a straight line.

Starts the same browser with the same flags and preferences as awscli_saml_sso, through
chromedriver (the usual hand-written way: Selenium), holds the AWS SAML endpoint with the DevTools
Fetch domain on the one tab, opens the IdP, fills username and password into the form by name and
submits it in one script, takes the SAMLResponse from the held POST, quits the browser, makes one
AssumeRoleWithSAML call (boto3, unsigned) and writes the credentials to a file. No parsing (the role is given), no checks, no retries, no cleanup beyond quit().

Usage: python bench/floor_login.py IDP_URL USERNAME ROLE_ARN PRINCIPAL_ARN ENDPOINT_URL OUT_FILE
(password on stdin). Prints phase timestamps (time.time()) as JSON on stdout.
"""

import time

T0 = time.time()

import base64
import json
import sys
import tempfile
import threading
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs

import websocket  # comes with selenium
from selenium import webdriver

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from awscli_saml_sso.browser.drivers import CHROMIUM_PREFS, chromium_arguments

SAML_PATTERN = "https://signin.aws.amazon.com/saml*"
# one script: fill both fields by name and submit (no element round trips, no key events)
FILL_AND_SUBMIT = """
const form = document.getElementsByName('username')[0].form;
form.elements.username.value = arguments[0];
form.elements.password.value = arguments[1];
form.requestSubmit ? form.requestSubmit() : form.submit();
"""


def main() -> None:
    idp_url, username, role_arn, principal_arn, endpoint_url, out_file = sys.argv[1:7]
    password = sys.stdin.readline().rstrip("\n")
    marks = {"start": T0, "imported": time.time()}
    profile = tempfile.mkdtemp(prefix="floor-browser-")
    options = webdriver.ChromeOptions()
    for arg in chromium_arguments("headless", Path(profile)):
        options.add_argument(arg)
    options.add_experimental_option("prefs", CHROMIUM_PREFS)
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService("/usr/bin/chromedriver"))
    marks["browser_started"] = time.time()
    try:
        ws, session = hold_saml_endpoint(driver)
        # The held POST blocks the driver's Enter (it waits for the navigation): answer it from
        # a second thread, as any capture must.
        answer: list[str] = []
        catcher = threading.Thread(target=lambda: answer.append(wait_for_saml_post(ws, session)))
        catcher.start()
        driver.get(idp_url)
        driver.execute_script(FILL_AND_SUBMIT, username, password)
        marks["form_submitted"] = time.time()
        catcher.join()
        saml_response = answer[0]
        marks["captured"] = time.time()
    finally:
        driver.quit()
    marks["browser_closed"] = time.time()
    import boto3  # as late as the tool would need it
    from botocore import UNSIGNED
    from botocore.config import Config

    sts = boto3.client(
        "sts", region_name="us-east-1", endpoint_url=endpoint_url, config=Config(signature_version=UNSIGNED)
    )
    creds = sts.assume_role_with_saml(RoleArn=role_arn, PrincipalArn=principal_arn, SAMLAssertion=saml_response)[
        "Credentials"
    ]
    marks["assumed"] = time.time()
    Path(out_file).write_text(
        f"[floor]\naws_access_key_id = {creds['AccessKeyId']}\n"
        f"aws_secret_access_key = {creds['SecretAccessKey']}\n"
        f"aws_session_token = {creds['SessionToken']}\n"
    )
    marks["written"] = time.time()
    print(json.dumps(marks))


def hold_saml_endpoint(driver: webdriver.Chrome) -> tuple[websocket.WebSocket, str]:
    address = driver.capabilities["goog:chromeOptions"]["debuggerAddress"]
    with urllib.request.urlopen(f"http://{address}/json/version") as answer:
        ws = websocket.create_connection(json.load(answer)["webSocketDebuggerUrl"], suppress_origin=True)
    targets = call(ws, "Target.getTargets")["targetInfos"]
    page = next(t["targetId"] for t in targets if t["type"] == "page")
    session = call(ws, "Target.attachToTarget", {"targetId": page, "flatten": True})["sessionId"]
    call(ws, "Fetch.enable", {"patterns": [{"urlPattern": SAML_PATTERN}]}, session)
    return ws, session


_ids = iter(range(1, 1_000_000))


def call(ws: websocket.WebSocket, method: str, params: dict | None = None, session: str | None = None) -> dict:
    msg_id = next(_ids)
    message = {"id": msg_id, "method": method, "params": params or {}}
    if session:
        message["sessionId"] = session
    ws.send(json.dumps(message))
    while True:
        answer = json.loads(ws.recv())
        if answer.get("id") == msg_id:
            return answer["result"]


def wait_for_saml_post(ws: websocket.WebSocket, session: str) -> str:
    while True:
        event = json.loads(ws.recv())
        if event.get("method") != "Fetch.requestPaused":
            continue
        request = event["params"]["request"]
        body = request.get("postData", "")
        call(
            ws,
            "Fetch.fulfillRequest",
            {
                "requestId": event["params"]["requestId"],
                "responseCode": 200,
                "body": base64.b64encode(b"done").decode(),
            },
            session,
        )
        return parse_qs(body)["SAMLResponse"][0]


if __name__ == "__main__":
    main()
