"""Demo customers: about 200 companies and people that look like a Romanian
hosting provider's book.

Romanian companies in every county and all six Bucharest sectors (VAT payers,
non-payers, one moved to VAT on cash basis), EU companies (DE, FR, BG, IT, AT),
companies outside the EU (US, GB, CH, NO, MD) and individuals with and without
a CNP. Every identifier is drawn from a seeded random generator and kept only
when python-stdnum (or phonenumbers) accepts it, so the data is the same on
every run and every number passes the checks the forms apply.

Customers are created through the services, so they are validated and audited
like any other. A customer already present (same tax id, or same name when it
has none) is left alone, which makes a second run add nothing.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import phonenumbers
from stdnum import iban as stdnum_iban
from stdnum.at import uid as at_uid
from stdnum.bg import vat as bg_vat
from stdnum.ch import uid as ch_uid
from stdnum.eu import vat as eu_vat
from stdnum.fr import siren as fr_siren
from stdnum.gb import vat as gb_vat
from stdnum.md import idno as md_idno
from stdnum.no import mva as no_mva
from stdnum.ro import cnp as ro_cnp
from stdnum.ro import cui as ro_cui
from stdnum.ro import onrc as ro_onrc
from stdnum.us import ein as us_ein

from praho.accounts.demo import STAFF
from praho.accounts.models import User
from praho.accounts.roles import Role
from praho.customers.models import Customer, MembershipRole
from praho.customers.services.customers import change_tax_profile, create_customer, delete_customer
from praho.customers.services.memberships import add_member

SEED = 20260301

OWNER, BILLING, TECHNICAL, VIEWER = (
    MembershipRole.OWNER,
    MembershipRole.BILLING,
    MembershipRole.TECHNICAL,
    MembershipRole.VIEWER,
)
ACME = "Acme Hosting SRL"
ANDREI = "Andrei Georgescu"
SOFIA_WEB = "Sofia Web EOOD"
EXAMPLE_SHOP = "Example Shop Ltd"
# The customer users of accounts.demo and what they do: the accountant and the
# web agency act for several customers, so the customer switcher shows.
MEMBERS = {
    ACME: (
        ("owner@acme-hosting.test", OWNER),
        ("billing@acme-hosting.test", BILLING),
        ("ivan@sofia-web.test", TECHNICAL),
        ("jane@example-shop.test", VIEWER),
    ),
    ANDREI: (("owner@acme-hosting.test", OWNER), ("billing@acme-hosting.test", BILLING)),
    SOFIA_WEB: (("ivan@sofia-web.test", OWNER),),
    EXAMPLE_SHOP: (("jane@example-shop.test", OWNER), ("ivan@sofia-web.test", TECHNICAL)),
}

# How many of each; the tests check the database against these.
RO_COMPANIES_PER_SECTOR = 6
RO_COMPANIES_PER_COUNTY = 2
RO_BUSY_COUNTIES = ("RO-CJ", "RO-TM")  # one company more each
RO_NON_PAYERS = 36
RO_INDIVIDUALS_WITH_CNP = 18
RO_INDIVIDUALS_WITHOUT_CNP = 10
EU_COMPANIES_PER_COUNTRY = 8
NON_EU_COMPANIES_PER_COUNTRY = 2
EU_INDIVIDUALS = (("DE", "Klaus Becker"), ("FR", "Camille Dubois"))

# ISO 3166-2:RO -> (county seat, postal code prefix, county number used by the
# trade register and the CNP).
RO_PLACES = {
    "RO-AB": ("Alba Iulia", "510", 1), "RO-AR": ("Arad", "310", 2), "RO-AG": ("Pitești", "110", 3),
    "RO-BC": ("Bacău", "600", 4), "RO-BH": ("Oradea", "410", 5), "RO-BN": ("Bistrița", "420", 6),
    "RO-BT": ("Botoșani", "710", 7), "RO-BV": ("Brașov", "500", 8), "RO-BR": ("Brăila", "810", 9),
    "RO-BZ": ("Buzău", "120", 10), "RO-CS": ("Reșița", "320", 11), "RO-CJ": ("Cluj-Napoca", "400", 12),
    "RO-CT": ("Constanța", "900", 13), "RO-CV": ("Sfântu Gheorghe", "520", 14),
    "RO-DB": ("Târgoviște", "130", 15), "RO-DJ": ("Craiova", "200", 16), "RO-GL": ("Galați", "800", 17),
    "RO-GJ": ("Târgu Jiu", "210", 18), "RO-HR": ("Miercurea Ciuc", "530", 19), "RO-HD": ("Deva", "330", 20),
    "RO-IL": ("Slobozia", "920", 21), "RO-IS": ("Iași", "700", 22), "RO-IF": ("Voluntari", "077", 23),
    "RO-MM": ("Baia Mare", "430", 24), "RO-MH": ("Drobeta-Turnu Severin", "220", 25),
    "RO-MS": ("Târgu Mureș", "540", 26), "RO-NT": ("Piatra Neamț", "610", 27),
    "RO-OT": ("Slatina", "230", 28), "RO-PH": ("Ploiești", "100", 29), "RO-SM": ("Satu Mare", "440", 30),
    "RO-SJ": ("Zalău", "450", 31),
    "RO-SB": ("Sibiu", "550", 32), "RO-SV": ("Suceava", "720", 33), "RO-TR": ("Alexandria", "140", 34),
    "RO-TM": ("Timișoara", "300", 35), "RO-TL": ("Tulcea", "820", 36), "RO-VS": ("Vaslui", "730", 37),
    "RO-VL": ("Râmnicu Vâlcea", "240", 38), "RO-VN": ("Focșani", "620", 39), "RO-CL": ("Călărași", "910", 51),
    "RO-GR": ("Giurgiu", "080", 52),
}  # fmt: skip
BUCHAREST_REGISTER = 40  # its sectors are 41..46 in a CNP
RO_STREETS = (
    "Str. Mihai Eminescu", "Bd. Independenței", "Calea Victoriei", "Str. Avram Iancu", "Str. Unirii",
    "Bd. Revoluției", "Str. Republicii", "Str. Ion Creangă", "Str. Libertății", "Bd. 1 Decembrie 1918",
    "Str. Nicolae Bălcescu", "Str. George Coșbuc", "Str. Tudor Vladimirescu", "Aleea Trandafirilor",
    "Str. Mărășești", "Calea Moșilor", "Str. Ștefan cel Mare", "Str. Horea", "Bd. Carol I", "Str. Traian",
)  # fmt: skip
RO_ROOTS = (
    "Carpatica", "Dacica", "Transilvania", "Danubius", "Bucovina", "Moldova", "Oltenia", "Banat", "Dobrogea",
    "Maramureș", "Crișana", "Someș", "Mureș", "Siret", "Ceahlău", "Retezat", "Bucegi", "Făgăraș", "Ciucaș",
    "Semenic", "Apuseni", "Delta", "Pontica", "Tomis", "Callatis", "Napoca", "Apulum", "Sarmis", "Vest",
    "Nord", "Orizont", "Meridian", "Arcadia", "Aurora", "Zenit", "Astra", "Vega", "Lyra", "Nova", "Prima",
    "Optim", "Unirea", "Cetate", "Columna", "Stejarul", "Teiul", "Bradul", "Izvorul", "Cascada",
    "Țara Bârsei",
)  # fmt: skip
RO_ACTIVITIES = (
    "Soft", "Tech", "Net", "Web", "Data", "Cloud", "Media", "Design", "Consult", "Construct", "Trans",
    "Logistic", "Impex", "Com", "Agro", "Med", "Farm", "Print", "Auto", "Electro", "Instal", "Energy",
    "Invest", "Tur", "Edu", "Food", "Mobila", "Textil", "Metal", "Servicii",
)  # fmt: skip
RO_MALE = (
    "Andrei", "Alexandru", "Mihai", "Ion", "Ștefan", "Răzvan", "Cristian", "Gabriel", "Vlad", "Bogdan",
    "Florin", "Adrian", "Sorin", "Dragoș", "Cosmin", "Lucian", "Tudor", "Radu", "Marius", "Ciprian",
)  # fmt: skip
RO_FEMALE = (
    "Maria", "Elena", "Ioana", "Ana", "Andreea", "Mihaela", "Cristina", "Alina", "Mădălina", "Raluca",
    "Diana", "Oana", "Irina", "Simona", "Gabriela", "Larisa", "Roxana", "Bianca", "Camelia", "Ștefania",
)  # fmt: skip
RO_SURNAMES = (
    "Popescu", "Ionescu", "Popa", "Pop", "Radu", "Dumitru", "Stan", "Stoica", "Gheorghe", "Matei", "Ciobanu",
    "Rusu", "Munteanu", "Mocanu", "Lazăr", "Moldovan", "Barbu", "Nistor", "Țurcanu", "Dobre", "Șerban",
    "Florea", "Ene", "Marinescu", "Vasilescu", "Bălan", "Toma", "Năstase", "Căpraru", "Mureșan", "Sârbu",
)  # fmt: skip
RO_BANKS = ("BTRL", "RNCB", "BRDE", "INGB", "BACX", "RZBR", "CECE", "PIRB", "OTPV", "UGBI", "BPOS", "TREZ")


@dataclass(frozen=True)
class Abroad:
    """How companies in one foreign country are named and where they are."""

    roots: tuple[str, ...]
    activities: tuple[str, ...]
    suffixes: tuple[str, ...]
    places: tuple[tuple[str, str, str], ...]  # city, postal code, region
    street: str  # "{n}" is the house number


_DE_WORK = (
    "Datentechnik",
    "Software",
    "Netzwerke",
    "Medien",
    "Logistik",
    "Systemhaus",
    "Webdesign",
    "Elektro",
)
ABROAD = {
    "DE": Abroad(
        (
            "Müller",
            "Schmidt",
            "Schneider",
            "Fischer",
            "Weber",
            "Becker",
            "Hoffmann",
            "Schäfer",
            "Rhein",
            "Isar",
        ),
        _DE_WORK,
        ("GmbH", "AG", "GmbH & Co. KG"),
        (("Berlin", "10115", ""), ("München", "80331", ""), ("Hamburg", "20095", ""), ("Köln", "50667", "")),
        "Hauptstraße {n}",
    ),
    "FR": Abroad(
        ("Dupont", "Lefèvre", "Moreau", "Laurent", "Garnier", "Loire", "Provence", "Bretagne", "Lumière"),
        ("Informatique", "Conseil", "Numérique", "Services", "Logistique", "Médias", "Réseaux"),
        ("SARL", "SAS", "SA"),
        (("Paris", "75008", ""), ("Lyon", "69002", ""), ("Toulouse", "31000", ""), ("Nantes", "44000", "")),
        "{n} rue de la République",
    ),
    "BG": Abroad(
        ("Balkan", "Vitosha", "Rila", "Pirin", "Rodopi", "Dunav", "Struma", "Iskar", "Stara Planina"),
        ("Soft", "Tech", "Net", "Consult", "Trade", "Logistics", "Media", "Systems"),
        ("EOOD", "OOD", "AD"),
        (("Sofia", "1000", ""), ("Plovdiv", "4000", ""), ("Varna", "9000", ""), ("Burgas", "8000", "")),
        "ul. Vasil Levski {n}",
    ),
    "IT": Abroad(
        ("Rossi", "Bianchi", "Ferrari", "Esposito", "Colombo", "Ricci", "Adriatica", "Alpina", "Toscana"),
        ("Informatica", "Servizi", "Sistemi", "Digitale", "Consulenze", "Logistica", "Reti"),
        ("S.r.l.", "S.p.A."),
        (
            ("Milano", "20121", "MI"),
            ("Roma", "00184", "RM"),
            ("Torino", "10121", "TO"),
            ("Bologna", "40121", "BO"),
        ),
        "Via Giuseppe Garibaldi {n}",
    ),
    "AT": Abroad(
        ("Gruber", "Huber", "Bauer", "Pichler", "Steiner", "Moser", "Donau", "Tirol", "Wachau", "Kärnten"),
        _DE_WORK,
        ("GmbH", "AG"),
        (("Wien", "1010", ""), ("Graz", "8010", ""), ("Linz", "4020", ""), ("Salzburg", "5020", "")),
        "Mariahilfer Straße {n}",
    ),
    "US": Abroad(
        ("Liberty", "Summit", "Pioneer", "Redwood", "Lakeside", "Blue Ridge", "Hudson", "Evergreen"),
        ("Software", "Systems", "Networks", "Digital", "Labs", "Analytics"),
        ("LLC", "Inc."),
        (("New York", "10001", "NY"), ("Austin", "78701", "TX"), ("Seattle", "98101", "WA")),
        "{n} Main Street",
    ),
    "GB": Abroad(
        ("Thames", "Pennine", "Cotswold", "Highland", "Albion", "Kestrel", "Oakwood"),
        ("Software", "Digital", "Solutions", "Hosting", "Consulting"),
        ("Ltd",),
        (("London", "EC1A 1BB", ""), ("Manchester", "M1 1AE", ""), ("Edinburgh", "EH1 1YZ", "")),
        "{n} High Street",
    ),
    "CH": Abroad(
        ("Alpstein", "Matterhorn", "Rigi", "Helvetia", "Limmat", "Pilatus", "Jungfrau"),
        ("Informatik", "Software", "Treuhand", "Systeme", "Digital"),
        ("AG", "GmbH"),
        (("Zürich", "8001", "ZH"), ("Genève", "1201", "GE"), ("Basel", "4051", "BS")),
        "Bahnhofstrasse {n}",
    ),
    "NO": Abroad(
        ("Fjord", "Nordkapp", "Lofoten", "Polar", "Hardanger", "Trollheim"),
        ("Data", "Software", "Teknologi", "Nett", "Digital"),
        ("AS",),
        (("Oslo", "0150", ""), ("Bergen", "5003", ""), ("Trondheim", "7011", "")),
        "Storgata {n}",
    ),
    "MD": Abroad(
        ("Codru", "Nistru", "Prut", "Basarabia", "Orhei", "Soroca"),
        ("Soft", "Tech", "Net", "Web", "Consult", "Trans"),
        ("SRL",),
        (("Chișinău", "MD-2001", ""), ("Bălți", "MD-3100", "")),
        "Bd. Ștefan cel Mare și Sfânt {n}",
    ),
}
EU_COUNTRIES = ("DE", "FR", "BG", "IT", "AT")
NON_EU_COUNTRIES = ("US", "GB", "CH", "NO", "MD")


@dataclass(frozen=True)
class DemoCustomer:
    values: dict[str, Any]  # create_customer keywords: identity and first profile
    address: dict[str, str]
    later_profile: dict[str, Any] = field(default_factory=dict)  # a second profile version
    deleted: bool = False

    @property
    def key(self) -> str:
        """What says this customer is already there: its tax id, or its name when it has none."""
        return str(self.values.get("tax_id") or self.values["name"])


def slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c if c.isalnum() else "-" for c in plain if not unicodedata.combining(c))
    return "-".join(part for part in plain.split("-") if part)


class _Draw:
    """Identifiers, names and places from one seeded generator; each one is unique."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - reproducible on purpose, not a secret
        self.used: set[str] = set()

    def digits(self, count: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(count))

    def unique(self, candidate: Callable[[], str], accept: Callable[[str], bool] = bool) -> str:
        """Draw candidates until one is accepted (a checksum passes) and not used before."""
        for _attempt in range(100_000):
            value = candidate()
            if value not in self.used and accept(value):
                self.used.add(value)
                return value
        raise RuntimeError("no acceptable candidate drawn")  # pragma: no cover

    # Identifiers, each checked by the python-stdnum module that the forms use.
    def cui(self) -> str:
        body = lambda: str(self.rng.randrange(100_000, 5_000_000))  # noqa: E731
        return "RO" + self.unique(lambda: (b := body()) + ro_cui.calc_check_digit(b), ro_cui.is_valid)

    def cnp(self, *, male: bool, county_number: int) -> str:
        def candidate() -> str:
            born = date(1950, 1, 1) + timedelta(days=self.rng.randrange(0, 365 * 55))
            century = 1 if born.year < 2000 else 5
            sex = century + (0 if male else 1)
            body = f"{sex}{born:%y%m%d}{county_number:02d}{self.rng.randrange(1, 1000):03d}"
            return body + ro_cnp.calc_check_digit(body)

        return self.unique(candidate, ro_cnp.is_valid)

    def trade_register(self, county_number: int) -> str:
        year = self.rng.randrange(1991, 2026)
        if year <= 2024:  # the old form J<county>/<serial>/<year>
            return self.unique(
                lambda: f"J{county_number:02d}/{self.rng.randrange(1, 30000)}/{year}", ro_onrc.is_valid
            )
        # Since 2025: J<year><serial, 6 digits>00<check digit>.
        return self.unique(lambda: f"J{year}{self.digits(6)}00{self.digits(1)}", ro_onrc.is_valid)

    def vat(self, country: str) -> str:
        candidates: dict[str, Callable[[], str]] = {
            "DE": lambda: f"DE{self.rng.randrange(100_000_000, 1_000_000_000)}",
            "FR": lambda: f"FR{self.digits(2)}{self.unique(lambda: self.digits(9), fr_siren.is_valid)}",
            "BG": lambda: "BG" + (b := f"20{self.digits(6)}") + bg_vat.calc_check_digit_legal(b),
            "IT": lambda: f"IT{self.digits(7)}{self.rng.randrange(1, 101):03d}{self.digits(1)}",
            "AT": lambda: "ATU" + (b := self.digits(7)) + at_uid.calc_check_digit("U" + b),
        }
        return self.unique(candidates[country], eu_vat.is_valid)

    def foreign_tax_id(self, country: str) -> str:
        """As these countries print them; kept as given by the customer forms."""
        if country == "US":
            return self.unique(lambda: f"{self.digits(2)}-{self.digits(7)}", us_ein.is_valid)
        if country == "GB":
            return self.unique(lambda: f"GB{self.digits(9)}", gb_vat.is_valid)
        if country == "CH":
            uid = self.unique(
                lambda: "CHE" + (b := f"1{self.digits(7)}") + ch_uid.calc_check_digit(b), ch_uid.is_valid
            )
            return str(ch_uid.format(uid))
        if country == "NO":
            return self.unique(lambda: f"NO9{self.digits(8)}MVA", no_mva.is_valid)
        return self.unique(
            lambda: "10" + (b := self.digits(10)) + md_idno.calc_check_digit("10" + b), md_idno.is_valid
        )

    def iban(self) -> str:
        def candidate() -> str:
            bban = self.rng.choice(RO_BANKS) + self.digits(16)
            return f"RO{stdnum_iban.calc_check_digits('RO00' + bban)}{bban}"

        return self.unique(candidate, stdnum_iban.is_valid)

    def phone(self, region: str, *, landline: bool = False) -> str:
        kind = phonenumbers.PhoneNumberType.FIXED_LINE if landline else phonenumbers.PhoneNumberType.MOBILE
        example = phonenumbers.example_number_for_type(region, kind)
        assert example is not None
        prefix = str(example.national_number)[:-6]

        def valid(number: str) -> bool:
            return phonenumbers.is_valid_number(phonenumbers.parse(number))

        return self.unique(lambda: f"+{example.country_code}{prefix}{self.digits(6)}", valid)

    # Names and places.
    def company_name(
        self, roots: tuple[str, ...], activities: tuple[str, ...], suffixes: tuple[str, ...]
    ) -> str:
        return self.unique(
            lambda: f"{self.rng.choice(roots)} {self.rng.choice(activities)} {self.rng.choice(suffixes)}"
        )

    def romanian_company_name(self) -> str:
        def candidate() -> str:
            root = self.rng.choice(RO_SURNAMES) if self.rng.random() < 0.3 else self.rng.choice(RO_ROOTS)
            suffix = "SA" if self.rng.random() < 0.12 else "SRL"
            return f"{root} {self.rng.choice(RO_ACTIVITIES)} {suffix}"

        return self.unique(candidate)

    def person(self, *, male: bool) -> str:
        first = RO_MALE if male else RO_FEMALE
        return self.unique(lambda: f"{self.rng.choice(first)} {self.rng.choice(RO_SURNAMES)}")

    def romanian_address(self, county: str, *, sector: int = 0, flat: bool = False) -> dict[str, str]:
        street = f"{self.rng.choice(RO_STREETS)} nr. {self.rng.randrange(1, 180)}"
        if flat:
            block = f"{self.rng.choice('ABCDM')}{self.rng.randrange(1, 30)}"
            street += f", bl. {block}, ap. {self.rng.randrange(1, 90)}"
        if sector:
            city, postal = f"Sector {sector}", f"0{sector}{self.digits(4)}"
        else:
            city, prefix, _number = RO_PLACES[county]
            postal = prefix + self.digits(3)
        return {"street": street, "city": city, "postal_code": postal, "county": county, "country": "RO"}

    def foreign_address(self, country: str) -> dict[str, str]:
        city, postal, region = self.rng.choice(ABROAD[country].places)
        street = ABROAD[country].street.format(n=self.rng.randrange(1, 200))
        return {"street": street, "city": city, "postal_code": postal, "county": region, "country": country}


def _romanian_company(
    draw: _Draw, county: str, *, sector: int = 0, name: str = "", vat_payer: bool = True
) -> DemoCustomer:
    name = name or draw.romanian_company_name()
    base = slug(name.rsplit(" ", 1)[0])
    register = BUCHAREST_REGISTER if sector else RO_PLACES[county][2]
    values = {
        "kind": "company",
        "name": name,
        "country": "RO",
        "tax_id": draw.cui(),
        "trade_register_number": draw.trade_register(register),
        "iban": draw.iban(),
        "email": f"{draw.rng.choice(('office', 'contact', 'info'))}@{base}.test",
        "phone": draw.phone("RO", landline=bool(sector)),
        "vat_payer": vat_payer,
        "payment_terms_days": draw.rng.choice((7, 14, 14, 15, 30)),
    }
    if draw.rng.random() < 0.5:
        values["invoice_email"] = f"facturi@{base}.test"
    if draw.rng.random() < 0.15:
        values["trade_name"] = base.replace("-", " ").title().replace(" ", "")
    return DemoCustomer(values, draw.romanian_address(county, sector=sector))


def _personal_email(name: str) -> str:
    return f"{slug(name).replace('-', '.')}@example.test"


def _romanian_person(
    draw: _Draw, county: str, *, sector: int = 0, with_cnp: bool, name: str = ""
) -> DemoCustomer:
    male = draw.rng.random() < 0.5 if not name else True
    name = name or draw.person(male=male)
    values: dict[str, Any] = {
        "kind": "individual",
        "name": name,
        "country": "RO",
        "email": _personal_email(name),
        "phone": draw.phone("RO"),
    }
    if with_cnp:
        values["tax_id"] = draw.cnp(male=male, county_number=40 + sector if sector else RO_PLACES[county][2])
    return DemoCustomer(values, draw.romanian_address(county, sector=sector, flat=True))


def _foreign_company(draw: _Draw, country: str, *, name: str = "") -> DemoCustomer:
    style = ABROAD[country]
    name = name or draw.company_name(style.roots, style.activities, style.suffixes)
    base = slug(next(name.removesuffix(" " + s) for s in style.suffixes if name.endswith(" " + s)))
    eu = country in EU_COUNTRIES
    values = {
        "kind": "company",
        "name": name,
        "country": country,
        "tax_id": draw.vat(country) if eu else draw.foreign_tax_id(country),
        "email": f"info@{base}.test",
        "phone": draw.phone(country),
        "vat_payer": eu,
        "payment_terms_days": draw.rng.choice((14, 30)),
    }
    return DemoCustomer(values, draw.foreign_address(country))


def demo_customers(seed: int = SEED) -> list[DemoCustomer]:
    """The whole book, in creation order; the same list for the same seed."""
    draw = _Draw(seed)
    named = [
        _romanian_company(draw, "RO-B", sector=2, name=ACME),
        _romanian_person(draw, "RO-B", sector=2, with_cnp=True, name=ANDREI),
        _foreign_company(draw, "BG", name=SOFIA_WEB),
        _foreign_company(draw, "GB", name=EXAMPLE_SHOP),
    ]
    named[0].values["trade_name"] = "Acme Hosting"

    # Romanian companies: every sector and county, in a shuffled order.
    slots = [("RO-B", sector) for sector in range(1, 7) for _ in range(RO_COMPANIES_PER_SECTOR)]
    slots += [(county, 0) for county in RO_PLACES for _ in range(RO_COMPANIES_PER_COUNTY)]
    slots += [(county, 0) for county in RO_BUSY_COUNTIES]
    slots.remove(("RO-B", 2))  # Acme's place
    draw.rng.shuffle(slots)
    non_payers = set(draw.rng.sample(range(len(slots)), RO_NON_PAYERS))
    companies = [
        _romanian_company(draw, county, sector=sector, vat_payer=index not in non_payers)
        for index, (county, sector) in enumerate(slots)
    ]
    payers = [c for c in companies if c.values["vat_payer"]]
    others = [c for c in companies if not c.values["vat_payer"]]
    payers[0].later_profile["vat_on_cash_basis"] = True  # moved to TVA la încasare
    for company in others[:3]:
        company.later_profile["vat_payer"] = True  # registered for VAT later
    for company in payers[1:4]:
        company.later_profile["payment_terms_days"] = 45
    companies[-1] = replace(companies[-1], deleted=True)

    people_places = [("RO-B", sector) for sector in range(1, 7)] + [(c, 0) for c in RO_PLACES]
    draw.rng.shuffle(people_places)
    total = RO_INDIVIDUALS_WITH_CNP - 1 + RO_INDIVIDUALS_WITHOUT_CNP  # Andrei is the first with a CNP
    people = [
        _romanian_person(draw, county, sector=sector, with_cnp=index < RO_INDIVIDUALS_WITH_CNP - 1)
        for index, (county, sector) in enumerate(people_places[:total])
    ]
    people[0].later_profile["document_language"] = "en"

    foreign = [
        _foreign_company(draw, country)
        for country in EU_COUNTRIES
        for _ in range(EU_COMPANIES_PER_COUNTRY - (country == "BG"))
    ]
    foreign += [
        _foreign_company(draw, country)
        for country in NON_EU_COUNTRIES
        for _ in range(NON_EU_COMPANIES_PER_COUNTRY - (country == "GB"))
    ]
    foreign[0].later_profile["invoice_email"] = "rechnung@" + foreign[0].values["email"].split("@")[1]
    foreign[-1].later_profile["currency"] = "EUR"
    abroad_people = [
        DemoCustomer(
            {"kind": "individual", "name": name, "country": country, "email": _personal_email(name)},
            draw.foreign_address(country),
        )
        for country, name in EU_INDIVIDUALS
    ]
    return named + companies + people + foreign + abroad_people


def _existing_keys() -> set[str]:
    with_tax_id = Customer.objects.exclude(tax_id="").values_list("tax_id", flat=True)
    by_name = Customer.objects.filter(tax_id="").values_list("name", flat=True)
    return {*with_tax_id, *by_name}


def _add_members(customers: dict[str, Customer]) -> list[str]:
    users = {
        user.email: user
        for user in User.objects.filter(email__in=[e for m in MEMBERS.values() for e, _ in m])
    }
    lines = []
    for name, members in MEMBERS.items():
        for email, role in members:
            add_member(actor=None, customer=customers[name], user=users[email], role=role)
        lines.append(f"  {name}: " + ", ".join(f"{email} ({role})" for email, role in members))
    return lines


def load(*, with_passwords: bool) -> list[str]:
    admin_email = next(email for role, email, _first, _last in STAFF if role == Role.ADMIN)
    actor = User.objects.get(email=admin_email)
    existing = _existing_keys()
    created = 0
    for spec in demo_customers():
        if spec.key in existing:
            continue
        customer = create_customer(actor=actor, address=spec.address, **spec.values)
        if spec.later_profile:
            change_tax_profile(actor=actor, customer=customer, **spec.later_profile)
        if spec.deleted:
            delete_customer(actor=actor, customer=customer)
        created += 1
    named = {c.name: c for c in Customer.objects.filter(name__in=MEMBERS)}
    total = Customer.objects.count()
    return [
        "",
        f"Customers: {total} ({created} created now). Customer users act for:",
        *_add_members(named),
    ]
