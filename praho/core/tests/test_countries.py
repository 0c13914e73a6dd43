"""The list of countries PRAHO accepts: ISO 3166-1 alpha-2 codes that are assigned."""

from praho.core.countries import EU_MEMBER_STATES, ISO_COUNTRIES, is_country


def test_every_assigned_iso_code_is_a_country_and_nothing_else():
    # ISO 3166-1 assigns 249 alpha-2 codes; CLDR's groupings (EU, UN, ZZ...) and
    # user-assigned codes (XK, XA) are not among them.
    assert len(ISO_COUNTRIES) == 249
    assert {"RO", "BG", "DE", "GR", "GB", "US", "AQ", "SS"} <= ISO_COUNTRIES
    assert not {"XX", "EU", "EL", "UK", "XK", "ZZ", "UN", "AC", "QO"} & ISO_COUNTRIES


def test_the_eu_member_states_are_countries():
    assert EU_MEMBER_STATES <= ISO_COUNTRIES


def test_is_country_reads_the_code_as_typed():
    assert (is_country("RO"), is_country("ro"), is_country("XX"), is_country(""), is_country("ROU")) == (
        True,
        True,
        False,
        False,
        False,
    )
