"""boto3 clients, created on first use (boto3 is the heaviest import) and kept for the container."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_stepfunctions import SFNClient


class NotConfigured(RuntimeError):
    """An environment variable naming an AWS resource the function needs (bucket, state machine) is not set."""


@cache
def s3() -> S3Client:
    import boto3
    from botocore.config import Config

    # SigV4 so presigned URLs may live longer than SigV2 allows and work in every region.
    return boto3.client("s3", config=Config(signature_version="s3v4", retries={"mode": "standard"}))


@cache
def sfn() -> SFNClient:
    import boto3
    from botocore.config import Config

    return boto3.client("stepfunctions", config=Config(retries={"mode": "standard"}))


@cache
def dynamodb() -> DynamoDBClient:
    import boto3
    from botocore.config import Config

    # The summary cache is read while a call waits: a slow read is retried rather than waited for.
    return boto3.client("dynamodb", config=Config(retries={"mode": "standard"}, connect_timeout=2, read_timeout=3))


@cache
def lambda_() -> LambdaClient:
    import boto3
    from botocore.config import Config

    return boto3.client("lambda", config=Config(retries={"mode": "standard"}, connect_timeout=2, read_timeout=5))


def reset() -> None:
    """Forget the clients (tests switch between mocked AWS accounts)."""
    s3.cache_clear()
    sfn.cache_clear()
    dynamodb.cache_clear()
    lambda_.cache_clear()
