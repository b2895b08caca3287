"""The AWS plumbing every collector shares: undeclared operations refused before anything is sent, error rows
in AWS's own words with keys redacted, wall-clock budgets, a session shared by threads under its lock."""

from __future__ import annotations

import threading
import time

import botocore.exceptions
import pytest

from analysis.collectors.aws import (
    AwsSettings,
    Budget,
    UndeclaredOperation,
    chunks,
    error_code,
    error_message,
    error_record,
    is_not_found,
    session_lock,
)

CREDS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def client_error(code: str, message: str) -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}}, "DescribeImages")


def test_an_undeclared_operation_is_refused_before_it_is_sent():
    # port 9 (discard) on localhost: were the call sent, it would fail with a connection error instead
    settings = AwsSettings(endpoint_url="http://127.0.0.1:9", static_credentials=CREDS)
    ecr = settings.client(settings.base_session(), "ecr", "us-east-1")
    with pytest.raises(UndeclaredOperation, match="ecr:DeleteRepository is not among the read-only operations"):
        ecr.delete_repository(repositoryName="payments/api")


def test_error_rows_in_aws_words():
    exc = client_error("RepositoryNotFoundException", "The repository 'x' does not exist\nsecond line")
    assert error_code(exc) == "RepositoryNotFoundException"
    assert error_message(exc) == "The repository 'x' does not exist"  # the first line only
    assert is_not_found(exc, "RepositoryNotFoundException")
    assert not is_not_found(exc, "ImageNotFoundException")
    assert error_code(botocore.exceptions.NoCredentialsError()) == "NoCredentials"
    assert error_code(ValueError("x")) == "ValueError"
    rec = error_record(exc, "ecr:DescribeImages", account_id="1", region="us-east-1", repository="x")
    assert (rec.operation, rec.error_code, rec.repository) == ("ecr:DescribeImages", "RepositoryNotFoundException", "x")


def test_access_keys_and_session_tokens_never_reach_an_error_row():
    exc = client_error("SignatureDoesNotMatch", "canonical request AKIAABCDEFGHIJKLMNOP x-amz-security-token:FwoGZX")
    assert error_message(exc) == "canonical request [redacted] [redacted]"


def test_a_scope_budget_ends_with_its_run():
    run = Budget(0.05, what="run")
    scope = Budget(600, parent=run)
    assert scope.remaining() <= 0.05
    time.sleep(0.06)
    assert scope.remaining() < 0
    assert scope.spent_by() == "the run budget of 0 s"  # 0.05 s shown to the second
    assert Budget(900).spent_by() == "the scope budget of 900 s"


def test_chunks():
    assert list(chunks([1, 2, 3, 4, 5], 2)) == [[1, 2], [3, 4], [5]]
    assert list(chunks([], 3)) == []


def test_one_session_serves_every_thread_under_its_lock(aws):
    """Threads share an account's session: each use holds its lock (sessions are not thread-safe), and clients
    made on many threads at once from it all answer."""
    from support import settings_for

    settings = settings_for(aws)
    session = settings.base_session()
    assert session_lock(session) is session_lock(session)
    assert session_lock(session) is not session_lock(settings.base_session())

    made: list[object] = []
    with session_lock(session):  # another user of the session holds it: no client is made meanwhile
        waiting = threading.Thread(target=lambda: made.append(settings.client(session, "ecr", "us-east-1")))
        waiting.start()
        waiting.join(0.3)
        assert made == [] and waiting.is_alive()
    waiting.join(10)
    assert len(made) == 1

    barrier = threading.Barrier(16)
    answers: list[int] = []

    def one(region: str) -> None:
        barrier.wait()
        ecr = settings.client(session, "ecr", region)
        answers.append("repositories" in ecr.describe_repositories())

    threads = [threading.Thread(target=one, args=(r,)) for r in ["us-east-1", "eu-west-1"] * 8]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert answers == [True] * 16


def test_timestamps_are_parsed_to_the_same_instant_in_utc():
    import datetime as dt

    import botocore.utils

    from analysis.collectors.aws import _utc_timestamp

    epoch = 1_733_400_000.123  # ECR's JSON: epoch seconds with a fraction
    ours = _utc_timestamp(epoch)
    assert ours == botocore.utils.parse_timestamp(epoch)  # the same instant botocore gives…
    assert ours.tzinfo is dt.UTC and ours.isoformat() == "2024-12-05T12:00:00.123000+00:00"  # …in UTC
    assert _utc_timestamp("2024-01-01T00:00:00Z") == dt.datetime(2024, 1, 1, tzinfo=dt.UTC)  # text: botocore's


def test_a_clients_answers_carry_utc_timestamps(aws):
    import datetime as dt

    from support import settings_for

    settings = settings_for(aws)
    ecr = settings.client(settings.base_session(), "ecr", "us-east-1")
    repo = ecr.describe_repositories(maxResults=1)["repositories"][0]
    assert repo["createdAt"].tzinfo is dt.UTC  # botocore's default gave dateutil's tzlocal()
