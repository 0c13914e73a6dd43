"""The e-Factura API client against the local ANAF over real HTTP: upload, status, download and
the message list for each documented answer, retries of reads, the unknown outcome of an upload
whose answer is lost, and 401 handling; then ANAF's own sample answers, parsed."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from praho.audit.models import AuditEvent
from praho.efactura.gateways.anaf import AnafEfacturaClient
from praho.efactura.gateways.anaf_answers import (
    MessageFilter,
    MessageKind,
    ProcessingState,
    Standard,
    StatusResult,
    parse_messages,
    parse_status,
    parse_upload,
    read_answer,
)
from praho.efactura.gateways.anaf_errors import (
    AnafAuthError,
    AnafConfigurationError,
    AnafNoRightsError,
    AnafNotConnectedError,
    AnafRateLimitedError,
    AnafRejectedError,
    AnafRetryableError,
    AnafUnknownOutcomeError,
    AnafUnreadableAnswerError,
)
from praho.efactura.tests.fakes import anaf_efactura as fake_modes
from praho.testing.fakes import service as http_failures

pytestmark = pytest.mark.django_db

CIF = "18547290"
UBL = b"urn:oasis:names:specification:ubl:schema:xsd:"
INVOICE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<Invoice xmlns="' + UBL + b'Invoice-2">'
    b'<cbc:ID xmlns:cbc="' + UBL + b'CommonBasicComponents-2">PRH-0001</cbc:ID>'
    b"</Invoice>"
)


@pytest.fixture
def client(anaf_connected):
    with AnafEfacturaClient() as client:
        yield client


def uploaded(client, fake, **kwargs) -> str:
    return client.upload(INVOICE, cif=CIF, **kwargs).index


# --- upload ----------------------------------------------------------------------------------


def test_an_upload_returns_anafs_index(client, fake_anaf_efactura):
    with time_machine.travel("2026-03-02 10:00:00Z", tick=False):
        result = client.upload(INVOICE, cif="RO 18547290", standard=Standard.UBL)

    assert result.index == "5000000001"
    assert result.response_date == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    [request] = fake_anaf_efactura.requests_to("upload")
    assert request.method == "POST"
    assert request.path == "/test/FCTEL/rest/upload?standard=UBL&cif=18547290"
    assert request.headers["authorization"] == f"Bearer {fake_anaf_efactura.issued_tokens[0]['access_token']}"
    assert request.headers["content-type"] == "text/plain"
    assert request.body == INVOICE
    assert fake_anaf_efactura.uploads["5000000001"].xml == INVOICE


def test_a_credit_note_to_a_consumer_abroad_goes_to_uploadb2c_with_its_flags(client, fake_anaf_efactura):
    client.upload(INVOICE, cif=CIF, standard="CN", b2c=True, external=True, self_billed=True)

    [request] = fake_anaf_efactura.requests_to("uploadb2c")
    assert request.path == "/test/FCTEL/rest/uploadb2c?standard=CN&cif=18547290&extern=DA&autofactura=DA"


def test_an_upload_anaf_refuses_carries_anafs_errors_and_registers_nothing(client, fake_anaf_efactura):
    with pytest.raises(AnafRejectedError) as refused:
        client.upload(b"not xml", cif=CIF)

    assert refused.value.errors == ("Fisierul transmis nu este valid. org.xml.sax.SAXParseException",)
    assert str(refused.value) == (
        "ANAF refused the upload: Fisierul transmis nu este valid. org.xml.sax.SAXParseException"
    )
    assert fake_anaf_efactura.uploads == {}


def test_a_bad_standard_or_cif_is_refused_before_sending(client, fake_anaf_efactura):
    with pytest.raises(ValueError, match="XML"):
        client.upload(INVOICE, cif=CIF, standard="XML")
    with pytest.raises(ValueError, match="CIF must be digits"):
        client.upload(INVOICE, cif="RO18A")

    assert fake_anaf_efactura.requests_to("upload") == []


def test_an_upload_whose_answer_is_lost_after_anaf_registered_it_has_an_unknown_outcome(
    client, fake_anaf_efactura
):
    fake_anaf_efactura.fail_next("upload", http_failures.HANG_UP_AFTER)

    with pytest.raises(AnafUnknownOutcomeError, match="check ANAF's message list before sending it again"):
        client.upload(INVOICE, cif=CIF)

    assert len(fake_anaf_efactura.requests_to("upload")) == 1  # not repeated
    assert list(fake_anaf_efactura.uploads) == ["5000000001"]  # yet ANAF has it
    # The way out: ANAF lists the upload once it has processed it.
    fake_anaf_efactura.finish("5000000001")
    [message] = client.messages(cif=CIF, days=1)
    assert (message.upload_index, message.kind) == ("5000000001", MessageKind.SENT)


def test_an_upload_that_times_out_has_an_unknown_outcome(client, fake_anaf_efactura):
    fake_anaf_efactura.fail_next("upload", http_failures.SLOW)

    started = time.monotonic()
    with pytest.raises(AnafUnknownOutcomeError) as lost:
        client.upload(INVOICE, cif=CIF)

    assert time.monotonic() - started < 2
    assert "ReadTimeout" in lost.value.detail
    assert len(fake_anaf_efactura.uploads) == 1


@pytest.mark.parametrize(
    "mode", [http_failures.HANG_UP, http_failures.SERVER_ERROR, http_failures.UNAVAILABLE]
)
def test_an_upload_without_anafs_verdict_is_never_repeated(client, fake_anaf_efactura, mode):
    fake_anaf_efactura.fail_next("upload", mode)

    with pytest.raises(AnafUnknownOutcomeError):
        client.upload(INVOICE, cif=CIF)

    assert len(fake_anaf_efactura.requests_to("upload")) == 1


def test_an_upload_answered_with_a_page_we_cannot_read_has_an_unknown_outcome(client, fake_anaf_efactura):
    fake_anaf_efactura.fail_next("upload", http_failures.GARBAGE)

    with pytest.raises(AnafUnknownOutcomeError):
        client.upload(INVOICE, cif=CIF)


def test_an_upload_refused_with_429_is_retryable_and_not_repeated_by_the_client(client, fake_anaf_efactura):
    fake_anaf_efactura.fail_next("upload", http_failures.TOO_MANY_REQUESTS, retry_after="7")

    with pytest.raises(AnafRateLimitedError) as limited:
        client.upload(INVOICE, cif=CIF)

    assert limited.value.retry_after == 7.0
    assert len(fake_anaf_efactura.requests_to("upload")) == 1
    assert fake_anaf_efactura.uploads == {}


def test_anafs_daily_upload_limit_is_a_rate_limit_not_an_unknown_outcome(client, fake_anaf_efactura):
    fake_anaf_efactura.fail_next("upload", fake_modes.DAILY_LIMIT)

    with pytest.raises(AnafRateLimitedError) as limited:
        client.upload(INVOICE, cif=CIF)

    assert not isinstance(limited.value, AnafUnknownOutcomeError)
    assert limited.value.retry_after is not None
    assert fake_anaf_efactura.uploads == {}


@pytest.mark.parametrize("path", ["/wrong/FCTEL/rest", "/test/FCTEL"])
def test_an_upload_to_an_address_without_the_service_is_a_configuration_error(
    anaf_connected, fake_anaf_efactura, settings, path
):
    settings.EFACTURA_API_URL = fake_anaf_efactura.url + path

    with AnafEfacturaClient() as client, pytest.raises(AnafConfigurationError) as misconfigured:
        client.upload(INVOICE, cif=CIF)

    assert "HTTP 404" in misconfigured.value.message
    assert "EFACTURA_API_URL" in misconfigured.value.message
    assert not isinstance(misconfigured.value, AnafRejectedError)


def test_an_upload_that_cannot_connect_certainly_did_not_reach_anaf(anaf_connected, settings):
    settings.EFACTURA_API_URL = "http://127.0.0.1:9/test/FCTEL/rest"

    with AnafEfacturaClient() as client, pytest.raises(AnafRetryableError) as unavailable:
        client.upload(INVOICE, cif=CIF)

    assert not isinstance(unavailable.value, AnafUnknownOutcomeError)
    assert "ConnectError" in unavailable.value.detail


# --- status ----------------------------------------------------------------------------------


def test_the_status_is_processing_then_ok_with_a_download_id(client, fake_anaf_efactura):
    index = uploaded(client, fake_anaf_efactura)

    assert client.status(index) == StatusResult(ProcessingState.PROCESSING, "")
    assert client.status(index) == StatusResult(ProcessingState.OK, "3000000001")
    [first, _second] = fake_anaf_efactura.requests_to("stareMesaj")
    assert first.path == f"/test/FCTEL/rest/stareMesaj?id_incarcare={index}"


def test_a_rejected_upload_is_nok_with_a_download_id(client, fake_anaf_efactura):
    fake_anaf_efactura.decide(fake_modes.NOK, polls=0)
    index = uploaded(client, fake_anaf_efactura)

    status = client.status(index)

    assert status == StatusResult(ProcessingState.NOK, "3000000001")
    assert status.is_final


def test_an_xml_anaf_could_not_take_in_has_no_download(client, fake_anaf_efactura):
    fake_anaf_efactura.decide(fake_modes.XML_ERRORS, polls=0)
    index = uploaded(client, fake_anaf_efactura)

    assert client.status(index) == StatusResult(ProcessingState.XML_ERRORS, "")


def test_the_status_of_an_unknown_index_is_anafs_refusal(client, fake_anaf_efactura):
    with pytest.raises(AnafRejectedError) as refused:
        client.status("5999999999")

    assert refused.value.errors == ("Nu exista factura cu id_incarcare= 5999999999",)
    assert len(fake_anaf_efactura.requests_to("stareMesaj")) == 1


def test_anafs_daily_status_quota_is_a_rate_limit_left_to_the_caller(client, fake_anaf_efactura):
    index = uploaded(client, fake_anaf_efactura)
    fake_anaf_efactura.fail_next("stareMesaj", fake_modes.DAILY_LIMIT)

    with (
        time_machine.travel("2026-03-02 20:00:00Z", tick=False),
        pytest.raises(AnafRateLimitedError) as limited,
    ):
        client.status(index)

    assert limited.value.retry_after == 2 * 3600  # midnight in Bucharest (UTC+2 in March)
    assert len(fake_anaf_efactura.requests_to("stareMesaj")) == 1


# --- retries of reads ------------------------------------------------------------------------


def test_a_read_refused_with_429_is_retried_with_backoff(client, fake_anaf_efactura):
    index = uploaded(client, fake_anaf_efactura)
    fake_anaf_efactura.fail_next("stareMesaj", http_failures.TOO_MANY_REQUESTS, times=2)

    started = time.monotonic()
    status = client.status(index)

    assert status.state == ProcessingState.PROCESSING
    assert len(fake_anaf_efactura.requests_to("stareMesaj")) == 3
    assert time.monotonic() - started >= 0.05 + 0.1  # backoff 0.05 s, then 0.1 s


def test_a_read_waits_as_long_as_retry_after_says(client, fake_anaf_efactura):
    index = uploaded(client, fake_anaf_efactura)
    fake_anaf_efactura.fail_next("stareMesaj", http_failures.TOO_MANY_REQUESTS, retry_after="1")

    started = time.monotonic()
    client.status(index)

    assert time.monotonic() - started >= 1.0
    assert len(fake_anaf_efactura.requests_to("stareMesaj")) == 2


def test_a_retry_after_longer_than_the_client_waits_is_left_to_the_caller(client, fake_anaf_efactura):
    index = uploaded(client, fake_anaf_efactura)
    fake_anaf_efactura.fail_next("stareMesaj", http_failures.TOO_MANY_REQUESTS, retry_after="120")

    with pytest.raises(AnafRateLimitedError) as limited:
        client.status(index)

    assert limited.value.retry_after == 120.0
    assert len(fake_anaf_efactura.requests_to("stareMesaj")) == 1


def test_a_retry_after_given_as_a_date_is_understood(client, fake_anaf_efactura):
    index = uploaded(client, fake_anaf_efactura)
    fake_anaf_efactura.fail_next(
        "stareMesaj", http_failures.UNAVAILABLE, retry_after="Mon, 02 Mar 2026 10:10:00 GMT"
    )

    with time_machine.travel("2026-03-02 10:00:00Z", tick=False), pytest.raises(AnafRetryableError) as failed:
        client.status(index)

    assert failed.value.retry_after == 600.0  # past the client's 2 s: the caller reschedules
    assert len(fake_anaf_efactura.requests_to("stareMesaj")) == 1


@pytest.mark.parametrize(
    "mode",
    [
        http_failures.SERVER_ERROR,
        http_failures.UNAVAILABLE,
        http_failures.HANG_UP,
        http_failures.SLOW,
        http_failures.GARBAGE,
    ],
)
def test_a_read_is_retried_after_a_temporary_failure(client, fake_anaf_efactura, mode):
    fake_anaf_efactura.decide(fake_modes.OK, polls=5)  # a SLOW answer consumes a poll too
    index = uploaded(client, fake_anaf_efactura)
    fake_anaf_efactura.fail_next("stareMesaj", mode)

    assert client.status(index).state == ProcessingState.PROCESSING
    assert len(fake_anaf_efactura.requests_to("stareMesaj")) == 2


def test_a_read_gives_up_after_the_configured_attempts(client, fake_anaf_efactura):
    index = uploaded(client, fake_anaf_efactura)
    fake_anaf_efactura.fail_next("stareMesaj", http_failures.UNAVAILABLE, times=5)

    with pytest.raises(AnafRetryableError, match="did not answer"):
        client.status(index)

    assert len(fake_anaf_efactura.requests_to("stareMesaj")) == 3


# --- download --------------------------------------------------------------------------------


def test_an_accepted_invoice_downloads_as_a_signed_zip_holding_it(client, fake_anaf_efactura):
    fake_anaf_efactura.decide(fake_modes.OK, polls=0)
    index = uploaded(client, fake_anaf_efactura)
    download_id = client.status(index).download_id

    content = client.download(download_id)

    answer = read_answer(content)
    assert sorted(answer.files) == [f"{index}.xml", f"semnatura_{index}.xml"]
    assert answer.document_xml == INVOICE
    assert b"<ds:DigestValue>" in answer.signature_xml
    assert answer.errors == ()
    [request] = fake_anaf_efactura.requests_to("descarcare")
    assert request.path == f"/test/FCTEL/rest/descarcare?id={download_id}"


def test_a_rejected_invoices_zip_carries_anafs_errors(client, fake_anaf_efactura):
    errors = ("E: validari globale eroare regula: R6.1: CIF-ul vanzatorului nu figureaza in baza de date",)
    fake_anaf_efactura.decide(fake_modes.NOK, polls=0, errors=errors)
    index = uploaded(client, fake_anaf_efactura)

    answer = read_answer(client.download(client.status(index).download_id))

    assert answer.errors == errors


def test_downloading_an_unknown_id_is_anafs_refusal(client):
    with pytest.raises(AnafRejectedError) as refused:
        client.download("3999999999")

    assert refused.value.errors == ("Pentru id=3999999999 nu exista inregistrata nici o factura",)


def test_anafs_daily_download_quota_is_a_rate_limit(client, fake_anaf_efactura):
    fake_anaf_efactura.fail_next("descarcare", fake_modes.DAILY_LIMIT)

    with pytest.raises(AnafRateLimitedError, match="S-au facut deja 20 descarcari"):
        client.download("3000000001")


def test_a_download_that_is_not_a_zip_is_retried_then_refused(client, fake_anaf_efactura):
    fake_anaf_efactura.fail_next("descarcare", http_failures.GARBAGE, times=3)

    with pytest.raises(AnafUnreadableAnswerError):
        client.download("3000000001")

    assert len(fake_anaf_efactura.requests_to("descarcare")) == 3


def test_an_error_report_that_does_not_parse_is_one_error_saying_so(client, fake_anaf_efactura):
    fake_anaf_efactura.decide(fake_modes.NOK, polls=0, report=b"<header><Error errorMessage=")
    index = uploaded(client, fake_anaf_efactura)

    answer = read_answer(client.download(client.status(index).download_id))

    assert len(answer.errors) == 1
    assert "could not be read" in answer.errors[0]


def test_a_truncated_zip_is_not_taken_for_an_answer():
    with pytest.raises(AnafUnreadableAnswerError):
        read_answer(b"PK\x03\x04 this is not the rest of a zip")


# --- the message list ------------------------------------------------------------------------


def test_the_message_list_reads_each_processed_upload(client, fake_anaf_efactura):
    fake_anaf_efactura.decide(fake_modes.OK, polls=0)
    accepted = uploaded(client, fake_anaf_efactura)
    fake_anaf_efactura.decide(fake_modes.NOK, polls=0)
    rejected = uploaded(client, fake_anaf_efactura)
    pending = uploaded(client, fake_anaf_efactura)
    with time_machine.travel("2026-03-02 10:00:00Z", tick=False):
        fake_anaf_efactura.finish(accepted)
        fake_anaf_efactura.finish(rejected)

    with time_machine.travel("2026-03-03 09:00:00Z", tick=False):
        found = client.messages(cif=f"RO{CIF}", days=2)

    assert [(m.upload_index, m.kind, m.id) for m in found] == [
        (rejected, MessageKind.ERRORS, "3000000002"),
        (accepted, MessageKind.SENT, "3000000001"),
    ]
    assert pending not in {m.upload_index for m in found}
    assert found[1].created_at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert found[1].cif == CIF
    assert (
        found[1].details
        == f"Factura cu id_incarcare={accepted} emisa de cif_emitent={CIF} pentru cif_beneficiar=0"
    )
    request = fake_anaf_efactura.requests_to("listaMesajeFactura")[0]
    assert request.path == f"/test/FCTEL/rest/listaMesajeFactura?zile=2&cif={CIF}"


def test_the_message_list_can_be_filtered(client, fake_anaf_efactura):
    fake_anaf_efactura.decide(fake_modes.NOK, polls=0)
    fake_anaf_efactura.finish(uploaded(client, fake_anaf_efactura))

    assert client.messages(cif=CIF, days=1, kind=MessageFilter.SENT) == []
    assert [m.kind for m in client.messages(cif=CIF, days=1, kind=MessageFilter.ERRORS)] == [
        MessageKind.ERRORS
    ]


def test_no_messages_is_an_empty_list_not_an_error(client, fake_anaf_efactura):
    assert client.messages(cif=CIF, days=60) == []
    assert len(fake_anaf_efactura.requests_to("listaMesajeFactura")) == 1


def test_the_list_covers_at_most_sixty_days(client):
    with pytest.raises(ValueError, match="between 1 and 60"):
        client.messages(cif=CIF, days=61)


def test_the_paginated_list_is_read_to_its_last_page(client, fake_anaf_efactura):
    fake_anaf_efactura.page_size = 2
    fake_anaf_efactura.decide(fake_modes.OK, polls=0)
    indexes = [uploaded(client, fake_anaf_efactura) for _ in range(5)]
    for index in indexes:
        fake_anaf_efactura.finish(index)
    now = timezone.now()

    found = client.messages_between(cif=CIF, start=now - timedelta(hours=1), end=now + timedelta(minutes=1))

    assert [m.upload_index for m in found] == sorted(indexes, reverse=True)
    pages = fake_anaf_efactura.requests_to("listaMesajePaginatieFactura")
    assert [p.path.rsplit("pagina=", 1)[1] for p in pages] == ["1", "2", "3"]


def test_an_empty_paginated_list_is_one_request(client, fake_anaf_efactura):
    now = timezone.now()

    assert client.messages_between(cif=CIF, start=now - timedelta(days=1), end=now) == []
    assert len(fake_anaf_efactura.requests_to("listaMesajePaginatieFactura")) == 1


# --- authorization ---------------------------------------------------------------------------


def test_a_token_anaf_no_longer_accepts_is_renewed_once_and_the_request_repeated(client, fake_anaf_efactura):
    fake_anaf_efactura.expire_access_tokens()

    result = client.upload(INVOICE, cif=CIF)

    assert result.index == "5000000001"
    first, second = fake_anaf_efactura.requests_to("upload")
    assert first.headers["authorization"] != second.headers["authorization"]
    assert second.headers["authorization"] == f"Bearer {fake_anaf_efactura.issued_tokens[1]['access_token']}"
    assert AuditEvent.objects.filter(action="efactura.anaf_token_refreshed").count() == 1
    assert list(fake_anaf_efactura.uploads) == ["5000000001"]


def test_a_token_that_cannot_be_renewed_asks_to_connect_again(client, fake_anaf_efactura):
    fake_anaf_efactura.expire_access_tokens()
    fake_anaf_efactura.refuse_refresh = True

    with pytest.raises(AnafAuthError, match="connect PRAHO to ANAF again"):
        client.status("5000000001")

    assert len(fake_anaf_efactura.requests_to("stareMesaj")) == 1


def test_without_a_connection_nothing_is_sent(fake_anaf_efactura):
    with AnafEfacturaClient() as client, pytest.raises(AnafNotConnectedError):
        client.upload(INVOICE, cif=CIF)

    assert fake_anaf_efactura.requests_to("upload") == []


# --- ANAF's own sample answers (OCA/l10n-romania tests, SOURCES.md "Test vectors") ------------

HEADER = '<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>\n'
STATUS_NS = 'xmlns="mfp:anaf:dgti:efactura:stareMesajFactura:v1"'


def test_the_sample_upload_answers_are_read():
    success = HEADER + (
        '<header xmlns="mfp:anaf:dgti:spv:respUploadFisier:v1" dateResponse="202108051140" '
        'ExecutionStatus="0" index_incarcare="3828"/>'
    )
    invalid = HEADER + (
        '<header xmlns="mfp:anaf:dgti:spv:respUploadFisier:v1" dateResponse="202108051144" '
        'ExecutionStatus="1"><Errors errorMessage="Valorile acceptate pentru parametrul standard sunt '
        'UBL, CII sau RASP"/></header>'
    )

    result = parse_upload(success.encode())
    assert (result.index, result.response_date) == ("3828", datetime(2021, 8, 5, 8, 40, tzinfo=UTC))
    with pytest.raises(AnafRejectedError) as refused:
        parse_upload(invalid.encode())
    assert refused.value.errors == ("Valorile acceptate pentru parametrul standard sunt UBL, CII sau RASP",)


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ('stare="ok" id_descarcare="1234"', StatusResult(ProcessingState.OK, "1234")),
        ('stare="nok" id_descarcare="123"', StatusResult(ProcessingState.NOK, "123")),
        ('stare="in prelucrare"', StatusResult(ProcessingState.PROCESSING, "")),
        ('stare="XML cu erori nepreluat de sistem"', StatusResult(ProcessingState.XML_ERRORS, "")),
    ],
)
def test_the_sample_status_answers_are_read(attributes, expected):
    assert parse_status(f"{HEADER}<header {STATUS_NS} {attributes}/>".encode()) == expected


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("Nu exista factura cu id_incarcare=", AnafRejectedError),
        ("Id_incarcare introdus= aaa nu este un numar intreg", AnafRejectedError),
        ("S-au facut deja 20 descarcari de mesaj in cursul zilei", AnafRateLimitedError),
        ("Nu exista niciun CIF petru care sa aveti drept", AnafNoRightsError),
        ("Nu aveti dreptul de inteorgare pentru id_incarcare= 18", AnafNoRightsError),
    ],
)
def test_the_sample_status_errors_are_sorted_by_what_to_do(message, error):
    content = f'{HEADER}<header {STATUS_NS}><Errors errorMessage="{message}"/></header>'

    with pytest.raises(error) as raised:
        parse_status(content.encode())

    assert raised.value.detail == message


def test_a_status_without_a_known_state_is_unreadable():
    with pytest.raises(AnafUnreadableAnswerError):
        parse_status(f'{HEADER}<header {STATUS_NS} stare="altceva"/>'.encode())
    with pytest.raises(AnafUnreadableAnswerError):
        parse_status(b"<!DOCTYPE header [<!ENTITY x 'y'>]><header stare='ok' id_descarcare='1'/>")


def test_the_sample_message_list_is_read():
    content = (
        '{"mesaje":[{"data_creare":"202211011336","cif":"8000000000","id_solicitare":"5001131297",'
        '"detalii":"Factura cu id_incarcare=5001131297 emisa de cif_emitent=8000000000 '
        'pentru cif_beneficiar=3","tip":"FACTURA TRIMISA","id":"3001503294"}],'
        '"serial":"1234AA456","cui":"8000000000","titlu":"Lista Mesaje"}'
    )

    page = parse_messages(content.encode())

    [message] = page.messages
    assert (message.id, message.upload_index, message.kind, message.cif) == (
        "3001503294",
        "5001131297",
        MessageKind.SENT,
        "8000000000",
    )
    assert message.created_at == datetime(2022, 11, 1, 11, 36, tzinfo=UTC)
    assert (page.page, page.total_pages) == (1, 1)


def test_a_message_list_refusal_other_than_no_messages_is_raised():
    with pytest.raises(AnafNoRightsError):
        parse_messages(b'{"eroare":"Nu aveti drept in SPV pentru CIF=8000000000","titlu":"Lista Mesaje"}')
    with pytest.raises(AnafRejectedError, match="60 de zile"):
        parse_messages(
            b'{"eroare":"Numarul de zile trebuie sa fie intre 1 si 60 de zile","titlu":"Lista Mesaje"}'
        )
