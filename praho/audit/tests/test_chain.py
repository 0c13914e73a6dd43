import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from praho.audit.integrity import CONTENT_CHANGED, LINK_BROKEN, verify_chain
from praho.audit.models import GENESIS_HASH, AppendOnlyError, AuditEvent
from praho.audit.services import record_event

on_sqlite = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="raw tampering needs a database without the trigger"
)
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's"
)


def _three_events(actor):
    return [record_event(f"test.event_{n}", actor=actor, target=actor, data={"n": n}) for n in range(3)]


def test_each_event_links_to_the_previous_events_hash(carol):
    first, second, third = _three_events(carol)

    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert first.hash == first.compute_hash()


def test_an_event_stores_actor_target_and_json_safe_data(carol, alice_admin):
    event = record_event(
        "test.changed",
        actor=alice_admin,
        target=carol,
        data={"amount": Decimal("12.50"), "day": dt.date(2026, 1, 15)},
    )
    event.refresh_from_db()

    assert (event.actor_id, event.actor_repr) == (alice_admin.pk, "alice@staff.test")
    assert (event.object_type, event.object_id, event.object_repr) == (
        "accounts.user",
        str(carol.pk),
        "carol@customer.test",
    )
    assert event.data == {"amount": "12.50", "day": "2026-01-15"}
    assert verify_chain().intact


def test_an_anonymous_actor_is_stored_as_nobody(db):
    event = record_event("test.anonymous", object_type="ip_address", object_repr="203.0.113.7")

    assert (event.actor_id, event.actor_repr) == (None, "")


def test_an_event_recorded_during_a_request_carries_its_ip_user_agent_and_request_id(client, carol, password):
    response = client.post(
        "/accounts/login/",
        {"login": carol.email, "password": password},
        HTTP_USER_AGENT="AuditTest/1.0",
        HTTP_X_REQUEST_ID="req-audit-0001",
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="auth.login")
    assert (event.ip_address, event.user_agent, event.request_id) == (
        "127.0.0.1",
        "AuditTest/1.0",
        "req-audit-0001",
    )
    assert response["X-Request-ID"] == "req-audit-0001"


def test_events_cannot_be_changed_or_deleted_through_the_orm(carol):
    event = record_event("test.event", actor=carol)

    event.action = "test.forged"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="test.forged")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_audit_verify_reports_an_intact_chain(carol, capsys):
    _three_events(carol)

    call_command("audit_verify")

    assert capsys.readouterr().out == "Audit trail intact: 3 events verified.\n"


@on_sqlite
def test_audit_verify_fails_naming_an_event_changed_by_hand(carol):
    _first, second, _third = _three_events(carol)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'test.forged' WHERE id = %s", [second.pk])

    with pytest.raises(CommandError) as failure:
        call_command("audit_verify")

    assert f"BROKEN at event #{second.pk}" in str(failure.value)
    assert "test.forged" in str(failure.value)
    assert verify_chain().reason == CONTENT_CHANGED
    assert verify_chain().checked == 1


@on_sqlite
def test_audit_verify_fails_naming_the_event_after_a_deleted_one(carol):
    _first, second, third = _three_events(carol)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [second.pk])

    report = verify_chain()

    assert (report.intact, report.broken_id, report.reason, report.checked) == (
        False,
        third.pk,
        LINK_BROKEN,
        1,
    )


@on_sqlite
def test_audit_verify_detects_a_rehashed_event_through_the_next_link(carol):
    _first, second, third = _three_events(carol)
    forged = AuditEvent.objects.get(pk=second.pk)
    forged.action = "test.forged"
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET action = %s, hash = %s WHERE id = %s",
            ["test.forged", forged.compute_hash(), second.pk],
        )

    report = verify_chain()

    assert (report.broken_id, report.reason) == (third.pk, LINK_BROKEN)


@on_postgresql
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET action = 'test.forged' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ],
)
def test_postgresql_refuses_to_update_or_delete_events(carol, statement):
    event = record_event("test.event", actor=carol)

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [event.pk])

    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_keep_one_unbroken_chain():
    from django.db import connections

    errors = []

    def write(worker):
        try:
            for n in range(25):
                with transaction.atomic():
                    record_event("test.concurrent", object_type="worker", object_id=worker, data={"n": n})
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    report = verify_chain()
    assert errors == []
    assert (report.intact, report.checked) == (True, 100)
    assert AuditEvent.objects.values("prev_hash").distinct().count() == 100
