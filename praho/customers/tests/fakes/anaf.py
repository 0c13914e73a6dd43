"""A local ANAF "PlatitorTvaRest" v9 service (POST /api/PlatitorTvaRest/v9/tva).

Speaks the documented format: a JSON array of up to 100 ``{"cui": <number>,
"data": "YYYY-MM-DD"}``, answered with ``{"cod": 200, "message": "SUCCESS",
"found": [...], "notFound": [...]}``. Requests it would refuse (not JSON, not
an array, a CUI that is not a number, a bad date) get 400, like the real one.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from http import HTTPStatus
from typing import Any

from praho.testing.fakes import FakeService, Received, Reply

PATH = "/api/PlatitorTvaRest/v9/tva"
MAX_CUIS = 100


def company_record(
    cui: int,
    name: str,
    *,
    street: str = "Str. Memorandumului",
    number: str = "28",
    details: str = "",
    locality: str = "Mun. Cluj-Napoca",
    county: str = "CLUJ",
    county_auto: str = "CJ",
    county_code: str = "12",
    postal_code: str = "400114",
    trade_register: str = "J12/3456/2015",
    vat_payer: bool = True,
    vat_on_cash_basis: bool = False,
    inactive: bool = False,
    phone: str = "0264123456",
) -> dict[str, Any]:
    """One entry of "found", with every v9 section, as ANAF returns it.

    The registered office and the fiscal domicile start out the same.
    """
    office = {
        "denumire_Strada": street,
        "numar_Strada": number,
        "denumire_Localitate": locality,
        "cod_Localitate": "54975",
        "denumire_Judet": county,
        "cod_Judet": county_code,
        "cod_JudetAuto": county_auto,
        "tara": "",
        "detalii_Adresa": details,
        "cod_Postal": postal_code,
    }
    one_line = (
        f"{'MUNICIPIUL ' if county_auto == 'B' else 'JUD. '}{county}, {locality}, {street}, NR.{number}"
    )
    return {
        "date_generale": {
            "cui": cui,
            "data": "",
            "denumire": name,
            "adresa": one_line,
            "nrRegCom": trade_register,
            "telefon": phone,
            "fax": "",
            "codPostal": postal_code,
            "act": "",
            "stare_inregistrare": "INREGISTRAT din data 01.06.2015",
            "data_inregistrare": "2015-06-01",
            "cod_CAEN": "6311",
            "iban": "",
            "statusRO_e_Factura": True,
            "organFiscalCompetent": "Administraţia Judeţeană a Finanţelor Publice Cluj",
            "forma_de_proprietate": "PROPR.PRIVATA-CAPITAL PRIVAT AUTOHTON",
            "forma_organizare": "PERSOANA JURIDICA",
            "forma_juridica": "SOCIETATE COMERCIALĂ CU RĂSPUNDERE LIMITATĂ",
        },
        "inregistrare_scop_Tva": {
            "scpTVA": vat_payer,
            "perioade_TVA": [
                {
                    "data_inceput_ScpTVA": "2015-07-01" if vat_payer else "",
                    "data_sfarsit_ScpTVA": "",
                    "data_anul_imp_ScpTVA": "",
                    "mesaj_ScpTVA": "",
                }
            ],
        },
        "inregistrare_RTVAI": {
            "dataInceputTvaInc": "2016-01-01" if vat_on_cash_basis else "",
            "dataSfarsitTvaInc": "",
            "dataActualizareTvaInc": "",
            "dataPublicareTvaInc": "",
            "tipActTvaInc": "",
            "statusTvaIncasare": vat_on_cash_basis,
        },
        "stare_inactiv": {
            "dataInactivare": "2020-03-01" if inactive else "",
            "dataReactivare": "",
            "dataPublicare": "",
            "dataRadiere": "",
            "statusInactivi": inactive,
        },
        "inregistrare_SplitTVA": {
            "dataInceputSplitTVA": "",
            "dataAnulareSplitTVA": "",
            "statusSplitTVA": False,
        },
        "adresa_sediu_social": {f"s{key}": value for key, value in office.items()},
        "adresa_domiciliu_fiscal": {f"d{key}": value for key, value in office.items()},
    }


class FakeAnaf(FakeService):
    def __init__(self, *, port: int = 0) -> None:
        """`port` 0 takes a free one (tests); `manage.py fakes` gives a fixed one."""
        super().__init__(port=port)
        self.companies: dict[int, dict[str, Any]] = {}

    def add(self, cui: int, name: str, **fields: Any) -> dict[str, Any]:
        """Register a company; returns its record so a test can reshape it (e.g. empty a section)."""
        record = company_record(cui, name, **fields)
        self.companies[cui] = record
        return record

    def answer(self, received: Received) -> Reply:
        if received.path != PATH:
            return Reply.of_json(HTTPStatus.NOT_FOUND, {"cod": 404, "message": "Not Found"})
        if received.method != "POST":
            return Reply.of_json(HTTPStatus.METHOD_NOT_ALLOWED, {"cod": 405, "message": "Method Not Allowed"})
        if not received.headers.get("content-type", "").startswith("application/json"):
            return Reply.of_json(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, {"cod": 415, "message": "Unsupported"})
        asked = _asked(received.body)
        if asked is None:
            return Reply.of_json(HTTPStatus.BAD_REQUEST, {"cod": 400, "message": "Cerere invalida"})
        found, not_found = [], []
        for cui, on in asked:
            if cui in self.companies:
                record = copy.deepcopy(self.companies[cui])
                record["date_generale"]["data"] = on
                found.append(record)
            else:
                not_found.append(cui)
        return Reply.of_json(
            HTTPStatus.OK, {"cod": 200, "message": "SUCCESS", "found": found, "notFound": not_found}
        )


def _asked(body: bytes) -> list[tuple[int, str]] | None:
    """The (CUI, date) pairs asked for, or None for a request ANAF refuses."""
    try:
        items = json.loads(body)
    except ValueError:
        return None
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_CUIS:
        return None
    asked = []
    for item in items:
        if not isinstance(item, dict) or set(item) != {"cui", "data"}:
            return None
        cui, on = item["cui"], item["data"]
        if not isinstance(cui, int) or isinstance(cui, bool) or not isinstance(on, str) or len(on) != 10:
            return None
        try:
            date.fromisoformat(on)
        except ValueError:
            return None
        asked.append((cui, on))
    return asked
