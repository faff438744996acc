"""The HTTP status codes of the credential server without, with a wrong and with the right token."""

import json
import os
import urllib.error
import urllib.request

url = os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
codes = {}
for name, headers in (
    ("missing", {}),
    ("wrong", {"Authorization": "not-the-token"}),
    ("right", {"Authorization": os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]}),
):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as answer:
            codes[name] = answer.status
    except urllib.error.HTTPError as exc:
        codes[name] = exc.code
print(json.dumps({"codes": codes, "env": sorted(k for k in os.environ if k.startswith("AWS_"))}))
