"""The personal data table's data key wrapped by AWS KMS: envelope encryption.

In production the AES-256 key that encrypts ``silver.customer_pii`` (``lib/encryption.py``) is never
stored in clear. AWS KMS generates it and hands back only its wrapped form (``new_wrapped_key``),
which may sit in a secret store or the job's environment; each run asks KMS to unwrap it
(``unwrap``), and only a role allowed to use the KMS key can. Rotating the KMS key itself needs
nothing here (KMS keeps its earlier key material to unwrap older keys); rotating the data key is a
new wrapped key and one rewrite of the table (docs/privacy.md).
"""
from __future__ import annotations

import base64
import binascii
from typing import Any

from lakehouse.lib.config import ConfigError


def kms_client(key_id: str, endpoint: str | None) -> Any:
    """A KMS client in the key's region (from its ARN; the SDK's default region for an alias or id), credentials
    from the AWS SDK's default chain; ``endpoint`` is a local server's."""
    import boto3

    parts = key_id.split(":")
    region = parts[3] if key_id.startswith("arn:") and len(parts) > 3 else None
    return boto3.client("kms", region_name=region, endpoint_url=endpoint)


def new_wrapped_key(kms: Any, key_id: str) -> str:
    """A new 32-byte data key as KMS wraps it, in base64; its clear form never leaves KMS."""
    wrapped = kms.generate_data_key_without_plaintext(KeyId=key_id, KeySpec="AES_256")["CiphertextBlob"]
    return base64.b64encode(wrapped).decode()


def unwrap(kms: Any, key_id: str, wrapped: str, variable: str) -> bytes:
    """The data key that ``wrapped`` (base64, from ``variable``) holds, unwrapped by KMS under ``key_id``;
    a one-line ConfigError when KMS refuses it."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        blob = base64.b64decode(wrapped, validate=True)
    except binascii.Error:
        raise ConfigError(f"{variable} must hold a data key wrapped by KMS, in base64 "
                          f"(lakehouse new-pii-key)") from None
    try:
        key = kms.decrypt(CiphertextBlob=blob, KeyId=key_id)["Plaintext"]
    except ClientError as refused:
        raise ConfigError(f"{variable}: KMS key {key_id} does not unwrap it "
                          f"({refused.response['Error']['Code']}); make it with lakehouse new-pii-key") from None
    except BotoCoreError as unreachable:
        raise ConfigError(f"{variable}: KMS could not be asked to unwrap it ({unreachable})") from None
    if len(key) != 32:
        raise ConfigError(f"{variable}: the key KMS unwrapped is {len(key)} bytes, not 32 (AES_256)")
    return key
