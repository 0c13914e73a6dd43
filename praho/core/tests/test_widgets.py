from django import forms

from praho.core.widgets import AS_ONE_TYPES, LongSelect, live_filter

CHOICES = [("", "Any"), ("RO", "România"), ("XK", "Kosovo <&>")]


class _Form(forms.Form):
    country = forms.ChoiceField(
        choices=CHOICES, widget=LongSelect(attrs={"data-x": "1"}), help_text="Pick one."
    )


def test_a_long_select_marks_the_chosen_option_and_escapes_labels():
    html = _Form(initial={"country": "XK"})["country"].as_widget()

    assert html == (
        '<select name="country" aria-describedby="id_country_helptext" data-x="1" id="id_country" required>'
        '<option value="">Any</option><option value="RO">România</option>'
        '<option value="XK" selected>Kosovo &lt;&amp;&gt;</option></select>'
    )


def test_a_long_select_keeps_the_error_attributes_of_an_invalid_field():
    form = _Form({"country": "ZZ"})
    form.is_valid()

    html = form["country"].as_widget()

    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_country_helptext id_country_error"' in html


def test_a_live_filter_refreshes_the_results_with_the_whole_form():
    assert live_filter("/staff/customers/") == {
        "hx-get": "/staff/customers/",
        "hx-trigger": "change",
        "hx-include": "closest form",
        "hx-sync": "closest form:replace",
    }
    assert live_filter("/staff/customers/", AS_ONE_TYPES)["hx-trigger"] == "input changed delay:150ms, search"
