"""The Docker-free local stack for development and tests: SimpleSAMLphp IdP + strict moto STS."""
