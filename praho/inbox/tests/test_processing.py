"""The inbox's processing: one row per event id, the handler's effect committed once with the
"processed" mark, failures recorded and retried with backoff, ignored types and foreign events
keeping nothing, the sweeper sending again what is due, staff replaying one event or all failed."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from praho.audit.models import AuditEvent
from praho.inbox import services
from praho.inbox.models import EventStatus, InboundEvent
from praho.testing.webhooks import FAIL_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _handlers_succeed():
    cache.delete(FAIL_KEY)
    yield
    cache.delete(FAIL_KEY)


def handled_count(event_id: str) -> int:
    return AuditEvent.objects.filter(action="testing.webhook_handled", data__event_id=event_id).count()


def deliver(
    event_id: str, event_type: str = "test.recorded", body: dict | None = None, *, capture
) -> services.Intake:
    with capture(execute=True):
        return services.receive(
            source="test", event_id=event_id, event_type=event_type, payload=json.dumps(body or {"n": 1})
        )


def test_an_event_is_stored_raw_and_processed_once(django_capture_on_commit_callbacks):
    payload = '{"b": 2,  "a": 1}'  # kept byte for byte, spacing and order included
    with django_capture_on_commit_callbacks(execute=True):
        intake = services.receive(
            source="test", event_id="evt_1", event_type="test.recorded", payload=payload
        )
    assert intake.created
    event = InboundEvent.objects.get(pk=intake.event.pk)
    assert (event.payload, event.status, event.attempts) == (payload, EventStatus.PROCESSED, 1)
    assert event.processed_at is not None
    assert event.next_attempt_at is None
    assert handled_count("evt_1") == 1


def test_the_same_event_again_changes_nothing(django_capture_on_commit_callbacks):
    first = deliver("evt_1", capture=django_capture_on_commit_callbacks)
    again = deliver("evt_1", body={"other": True}, capture=django_capture_on_commit_callbacks)
    assert (again.created, again.event.pk) == (False, first.event.pk)
    assert InboundEvent.objects.count() == 1
    assert json.loads(InboundEvent.objects.get().payload) == {"n": 1}
    assert handled_count("evt_1") == 1
    assert services.process_event(first.event.pk) == EventStatus.PROCESSED  # a late duplicate message
    assert handled_count("evt_1") == 1


def test_the_same_id_from_another_source_is_another_event(django_capture_on_commit_callbacks):
    deliver("evt_1", capture=django_capture_on_commit_callbacks)
    other = services.receive(source="registrar", event_id="evt_1", event_type="domain.renewed", payload="{}")
    assert other.created
    assert other.event.status == EventStatus.IGNORED


def test_a_type_without_handler_is_stored_as_ignored_and_not_sent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        intake = services.receive(source="test", event_id="evt_2", event_type="test.unknown", payload="{}")
    assert intake.event.status == EventStatus.IGNORED
    assert callbacks == []


@pytest.mark.parametrize(
    ("event_id", "event_type", "field", "message"),
    [
        ("", "test.recorded", "id", "The event has no id."),
        ("evt_1", "", "type", "The event has no type."),
        ("evt\x00", "test.recorded", "id", "Remove the control character U+0000."),
        ("e" * 256, "test.recorded", "id", "Ensure this field has no more than 255 characters (it has 256)."),
        ("evt_1", "t" * 129, "type", "Ensure this field has no more than 128 characters (it has 129)."),
    ],
)
def test_bad_ids_and_types_are_refused_naming_the_field(event_id, event_type, field, message):
    with pytest.raises(ValidationError) as refused:
        services.receive(source="test", event_id=event_id, event_type=event_type, payload="{}")
    assert refused.value.message_dict == {field: [message]}
    assert not InboundEvent.objects.exists()


def test_a_failure_keeps_nothing_and_is_retried_with_backoff(django_capture_on_commit_callbacks):
    cache.set(FAIL_KEY, True)
    intake = deliver("evt_3", "test.fragile", capture=django_capture_on_commit_callbacks)
    event = InboundEvent.objects.get(pk=intake.event.pk)
    assert (event.status, event.attempts) == (EventStatus.FAILED, 1)
    assert event.last_error == "RuntimeError: the test handler was told to fail"
    assert (
        timezone.now() + timedelta(seconds=20)
        < event.next_attempt_at
        < timezone.now() + timedelta(seconds=40)
    )
    assert handled_count("evt_3") == 0  # what the handler wrote was rolled back
    services.process_event(event.pk)
    event.refresh_from_db()
    assert event.attempts == 2
    assert event.next_attempt_at > timezone.now() + timedelta(seconds=45)  # 60 s +- 20 %

    cache.delete(FAIL_KEY)
    assert services.process_event(event.pk) == EventStatus.PROCESSED
    assert handled_count("evt_3") == 1


def test_after_the_last_attempt_it_waits_for_staff(settings, django_capture_on_commit_callbacks):
    settings.INBOX_MAX_ATTEMPTS = 2
    cache.set(FAIL_KEY, True)
    intake = deliver("evt_4", "test.fragile", capture=django_capture_on_commit_callbacks)
    services.process_event(intake.event.pk)
    event = InboundEvent.objects.get(pk=intake.event.pk)
    assert (event.status, event.attempts, event.next_attempt_at) == (EventStatus.FAILED, 2, None)


def test_an_event_not_for_praho_is_ignored_and_keeps_nothing(django_capture_on_commit_callbacks):
    intake = deliver("evt_5", "test.foreign", capture=django_capture_on_commit_callbacks)
    event = InboundEvent.objects.get(pk=intake.event.pk)
    assert (event.status, event.last_error) == (EventStatus.IGNORED, "not one of ours")
    assert handled_count("evt_5") == 0


def test_the_sweeper_sends_what_is_due_once_per_period(django_capture_on_commit_callbacks):
    cache.set(FAIL_KEY, True)
    failed = deliver("evt_6", "test.fragile", capture=django_capture_on_commit_callbacks).event
    with django_capture_on_commit_callbacks() as callbacks:
        lost = services.receive(
            source="test", event_id="evt_7", event_type="test.recorded", payload="{}"
        ).event
    assert len(callbacks) == 1  # its message is "lost": never run
    done = deliver("evt_8", capture=django_capture_on_commit_callbacks).event
    assert services.sweep() == 0  # nothing due yet

    past = timezone.now() - timedelta(seconds=1)
    InboundEvent.objects.filter(pk__in=[failed.pk, lost.pk]).update(next_attempt_at=past)
    cache.delete(FAIL_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep() == 2
    statuses = dict(InboundEvent.objects.values_list("pk", "status"))
    assert statuses == {failed.pk: "processed", lost.pk: "processed", done.pk: "processed"}
    assert services.sweep() == 0


def test_staff_replay_one_event_audited(alice_admin, django_capture_on_commit_callbacks):
    cache.set(FAIL_KEY, True)
    event = deliver("evt_9", "test.fragile", capture=django_capture_on_commit_callbacks).event
    cache.delete(FAIL_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        services.replay(actor=alice_admin, event_pk=event.pk)
    event.refresh_from_db()
    assert (event.status, event.attempts) == (EventStatus.PROCESSED, 2)
    audit = AuditEvent.objects.get(action="inbox.event_replayed")
    assert audit.actor == alice_admin
    assert audit.data == {"source": "test", "type": "test.fragile", "event_id": "evt_9", "was": "failed"}


def test_replaying_a_processed_event_runs_its_idempotent_handler_again(
    alice_admin, django_capture_on_commit_callbacks
):
    event = deliver("evt_10", capture=django_capture_on_commit_callbacks).event
    with django_capture_on_commit_callbacks(execute=True):
        services.replay(actor=alice_admin, event_pk=event.pk)
    # The test handler is not idempotent on purpose: it shows the replay really ran it.
    assert handled_count("evt_10") == 2


def test_staff_replay_every_failed_event_of_a_filter(alice_admin, django_capture_on_commit_callbacks):
    cache.set(FAIL_KEY, True)
    for n in range(3):
        deliver(f"evt_f{n}", "test.fragile", capture=django_capture_on_commit_callbacks)
    deliver("evt_ok", capture=django_capture_on_commit_callbacks)
    cache.delete(FAIL_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.replay_failed(actor=alice_admin, source="test", event_type="test.recorded") == 0
        assert services.replay_failed(actor=alice_admin, source="test", event_type="test.fragile") == 3
    assert not InboundEvent.objects.filter(status=EventStatus.FAILED).exists()
    audit = AuditEvent.objects.get(action="inbox.failed_events_replayed")
    assert audit.data["count"] == 3
    assert audit.data["type"] == "test.fragile"
