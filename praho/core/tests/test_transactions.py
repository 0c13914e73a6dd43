"""Service transactions: work run last before commit, and retries of aborted transactions."""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, IntegrityError, connection, connections, transaction

from praho.accounts.models import User
from praho.accounts.tests.factories import UserFactory
from praho.core import transactions
from praho.core.transactions import before_commit, in_service_transaction, service_transaction


def test_work_registered_before_commit_runs_once_at_the_end_of_the_outermost_service(db):
    calls: list[str] = []

    def last() -> None:
        calls.append("last")

    @service_transaction
    def inner() -> None:
        before_commit(last)
        calls.append("inner")

    @service_transaction
    def outer() -> None:
        inner()
        before_commit(last)
        calls.append("outer")
        assert in_service_transaction()

    outer()

    assert calls == ["inner", "outer", "last"]
    assert not in_service_transaction()


def test_work_before_commit_runs_inside_the_transaction(db):
    @service_transaction
    def action() -> None:
        before_commit(lambda: User.objects.filter(email="carol@customer.test").update(first_name="Linked"))

    UserFactory(email="carol@customer.test")
    action()

    assert User.objects.get(email="carol@customer.test").first_name == "Linked"


def test_work_before_commit_is_dropped_when_the_service_fails(db):
    calls: list[str] = []

    @service_transaction
    def failing() -> None:
        before_commit(lambda: calls.append("last"))
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        failing()

    assert calls == []
    assert not in_service_transaction()


def test_before_commit_outside_a_service_is_a_programming_error(db):
    with pytest.raises(RuntimeError):
        before_commit(lambda: None)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_error_that_is_not_a_conflict_is_not_retried():
    attempts: list[int] = []

    @service_transaction
    def duplicate() -> None:
        attempts.append(1)
        UserFactory(email="same@customer.test")
        UserFactory(email="same@customer.test")

    with pytest.raises(IntegrityError):
        duplicate()

    assert attempts == [1]
    assert User.objects.filter(email="same@customer.test").count() == 0


on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="Needs PostgreSQL's row locks and deadlock detection."
)


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_services_that_deadlock_both_succeed_one_of_them_retried():
    first, second = UserFactory(email="first@x.test"), UserFactory(email="second@x.test")
    both_locked_one = threading.Barrier(2, timeout=10)
    attempts: dict[str, int] = {"a": 0, "b": 0}
    failures: list[BaseException] = []

    @service_transaction
    def lock_in_order(name: str, one: User, other: User) -> None:
        attempts[name] += 1
        User.objects.select_for_update().filter(pk=one.pk).update(first_name=name)
        if attempts[name] == 1:
            both_locked_one.wait()  # each holds one row and asks for the other's: a deadlock
        User.objects.select_for_update().filter(pk=other.pk).update(last_name=name)

    def run(name: str, one: User, other: User) -> None:
        try:
            lock_in_order(name, one, other)
        except BaseException as error:  # reported to the test below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=("a", first, second)),
        threading.Thread(target=run, args=("b", second, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert failures == []
    assert sorted(attempts.values()) == [1, 2]  # PostgreSQL aborted one; it ran again and won


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_conflict_that_persists_is_raised_after_the_last_attempt():
    attempts: list[int] = []

    @service_transaction
    def always_aborted() -> None:
        attempts.append(1)
        with connection.cursor() as cursor:
            # What PostgreSQL answers a transaction it chose as a deadlock's victim.
            cursor.execute("DO $$ BEGIN RAISE EXCEPTION 'deadlock' USING ERRCODE = '40P01'; END $$")

    with pytest.raises(DatabaseError) as failure:
        always_aborted()

    assert transactions.is_retryable(failure.value)
    assert len(attempts) == transactions.ATTEMPTS
    assert not transaction.get_connection().in_atomic_block
