"""boto3 as a job would use it: the default chain (the container provider, from the environment)."""

import json
import sys

import boto3

session = boto3.Session()
who = session.client("sts", endpoint_url=sys.argv[1]).get_caller_identity()
creds = session.get_credentials()
print(json.dumps({"arn": who["Arn"], "key": creds.access_key, "method": creds.method}))
