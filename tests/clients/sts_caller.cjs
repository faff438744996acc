// Node's AWS SDK v3 as a job would use it: the default credential chain (fromNodeProviderChain),
// which finds AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN by itself.
const { fromNodeProviderChain } = require("@aws-sdk/credential-providers");
const { STSClient, GetCallerIdentityCommand } = require("@aws-sdk/client-sts");

(async () => {
  const credentials = fromNodeProviderChain();
  const client = new STSClient({ region: process.env.AWS_REGION || "us-east-1", endpoint: process.argv[2], credentials });
  const who = await client.send(new GetCallerIdentityCommand({}));
  const used = await credentials();
  console.log(JSON.stringify({ arn: who.Arn, key: used.accessKeyId }));
})().catch((err) => { console.error(String(err)); process.exit(1); });
