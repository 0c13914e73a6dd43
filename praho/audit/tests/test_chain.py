import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from praho.audit.integrity import CONTENT_CHANGED, LINK_BROKEN, UNLINKED, ChainReport, verify_chain
from praho.audit.models import GENESIS_HASH, AppendOnlyError, AuditEvent
from praho.audit.services import record_event
from praho.core.transactions import service_transaction

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


# --- Events of a service transaction are linked at its end (docs/decisions/0006) -------------


def test_a_services_events_are_linked_when_it_ends_in_the_order_they_were_written(carol):
    seen_inside = []

    @service_transaction
    def action():
        events = _three_events(carol)
        seen_inside.extend((event.seq, event.hash) for event in events)
        return events

    before = record_event("test.before", actor=carol)
    first, second, third = action()

    assert seen_inside == [(None, None)] * 3  # written at once, linked last
    assert [e.seq for e in (before, first, second, third)] == [
        before.seq,
        *range(before.seq + 1, before.seq + 4),
    ]
    assert (first.prev_hash, second.prev_hash, third.prev_hash) == (before.hash, first.hash, second.hash)
    stored = AuditEvent.objects.get(pk=third.pk)
    assert (stored.seq, stored.prev_hash, stored.hash) == (third.seq, second.hash, third.hash)
    assert verify_chain().intact


def test_an_event_written_in_a_rolled_back_savepoint_leaves_no_gap_in_the_chain(carol):
    @service_transaction
    def action():
        record_event("test.kept", actor=carol)
        try:
            with transaction.atomic():
                record_event("test.undone", actor=carol)
                raise ValueError
        except ValueError:
            pass
        record_event("test.kept_too", actor=carol)

    action()

    assert list(AuditEvent.objects.order_by("seq").values_list("action", flat=True)) == [
        "test.kept",
        "test.kept_too",
    ]
    assert verify_chain() == ChainReport(checked=2)


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_event_written_earlier_by_a_service_that_ends_later_comes_later_in_the_chain():
    from django.db import connections

    written, committed = threading.Event(), threading.Event()

    @service_transaction
    def slow_action():
        record_event("test.written_first")
        written.set()
        assert committed.wait(10)  # another writer commits meanwhile

    def other_writer():
        assert written.wait(10)
        with transaction.atomic():
            record_event("test.committed_first")
        committed.set()
        connections.close_all()

    writer = threading.Thread(target=other_writer)
    writer.start()
    slow_action()
    writer.join(10)

    by_id = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    by_chain = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    assert by_id == ["test.written_first", "test.committed_first"]
    assert by_chain == ["test.committed_first", "test.written_first"]
    assert verify_chain() == ChainReport(checked=2)


@on_sqlite
def test_audit_verify_reports_an_event_stored_without_its_links(carol):
    _three_events(carol)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (created_at, actor_repr, action, object_type, object_id, "
            "object_repr, data, user_agent, request_id, prev_hash) "
            "VALUES ('2026-01-01 00:00:00', '', 'test.smuggled', '', '', '', '{}', '', '', '')"
        )
        smuggled = cursor.lastrowid

    report = verify_chain()

    assert (report.intact, report.broken_id, report.reason) == (False, smuggled, UNLINKED)


@on_postgresql
def test_postgresql_lets_an_unlinked_event_be_linked_once_and_nothing_else(carol):
    @service_transaction
    def action():
        event = record_event("test.event", actor=carol)
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            # Changing what happened is refused even before the event is linked.
            cursor.execute("UPDATE audit_auditevent SET action = 'test.forged' WHERE id = %s", [event.pk])
        return event

    event = action()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditevent SET hash = NULL WHERE id = %s", [event.pk])

    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.action, stored.hash) == ("test.event", event.hash)
    assert verify_chain().intact
