"""Forms of provisioning's staff pages. They only shape input (types, lengths, choices); the
services check the rest and their errors, keyed by field, are put next to these fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from praho.catalog.models import Module, ProductGroup
from praho.core.widgets import live_filter
from praho.provisioning.models import OperationKind, OperationState, Server, ServerStatus
from praho.provisioning.services.servers import MAX_PORT, SECRET_MAX, USERNAME_MAX

TEXT_SLACK = 1000  # fields take more than the service allows, so its message (with the length) shows


class ServerFilterForm(forms.Form):
    panel = forms.ChoiceField(label=_("Panel"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["panel"].choices = [("", _("Any")), *Module.choices]  # type: ignore[attr-defined]
        self.fields["status"].choices = [("", _("Any")), *ServerStatus.choices]  # type: ignore[attr-defined]
        for name in self.fields:
            self.fields[name].widget.attrs.update(live_filter(reverse_lazy("provisioning:servers")))


class OperationFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    server = forms.TypedChoiceField(label=_("Server"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("Any")), *OperationState.choices]  # type: ignore[attr-defined]
        self.fields["kind"].choices = [("", _("Any")), *OperationKind.choices]  # type: ignore[attr-defined]
        servers = Server.objects.order_by("name").values_list("pk", "name")
        self.fields["server"].choices = [("", _("Any")), *servers]  # type: ignore[attr-defined]
        for name in self.fields:
            self.fields[name].widget.attrs.update(live_filter(reverse_lazy("provisioning:operations")))


def _text(label: Any, max_length: int, *, required: bool = False, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=max_length + TEXT_SLACK, strip=False, help_text=help_text
    )


def _capacity(label: Any, help_text: Any = "") -> forms.IntegerField:
    return forms.IntegerField(label=label, required=False, min_value=0, help_text=help_text)


class ServerForm(forms.Form):
    name = _text(_("Name"), 100, required=True)
    panel = forms.ChoiceField(label=_("Panel"), choices=Module.choices)
    host = _text(_("Host"), 253, required=True, help_text=_("A host name or an IP address."))
    port = forms.IntegerField(label=_("Port"), min_value=1, max_value=MAX_PORT)
    use_tls = forms.BooleanField(label=_("HTTPS"), required=False, initial=True)
    verify_tls = forms.BooleanField(label=_("Verify the certificate"), required=False, initial=True)
    username = _text(_("User name or API token id"), USERNAME_MAX)
    secret = forms.CharField(
        label=_("Password or API token secret"),
        required=False,
        strip=False,
        max_length=SECRET_MAX + TEXT_SLACK,
        # Never rendered back, not even after a refused submission.
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    node = _text(_("Node"), 64, help_text=_("Proxmox VE: the node new machines are created on."))
    storage = _text(_("Storage"), 64, help_text=_("Proxmox VE: the storage their disks go to."))
    location = _text(_("Location"), 100)
    product_groups = forms.MultipleChoiceField(
        label=_("Product groups"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The groups whose plans it takes; none: every plan of its panel."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=ServerStatus.choices)
    max_accounts = _capacity(_("Most accounts"), _("Panels: empty is unlimited."))
    cpu_cores = _capacity(_("CPU cores"), _("Proxmox VE: empty is unlimited."))
    memory_mb = _capacity(_("RAM (MB)"))
    disk_gb = _capacity(_("Disk (GB)"))

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups = ProductGroup.objects.order_by("position", "pk")
        self.fields["product_groups"].choices = [(str(group.pk), group.name) for group in groups]  # type: ignore[attr-defined]
        if editing:
            keep = _("Leave blank to keep the stored one.")
            self.fields["username"].help_text = keep
            self.fields["secret"].help_text = keep
        else:
            self.fields["username"].required = True
            self.fields["secret"].required = True

    @staticmethod
    def initial_of(server: Server) -> dict[str, Any]:
        """The form's values for a stored server; the login is never among them."""
        return {
            **{field: getattr(server, field) for field in ServerFields},
            "product_groups": [str(pk) for pk in server.product_groups.values_list("pk", flat=True)],
        }


ServerFields = (
    "name", "panel", "host", "port", "use_tls", "verify_tls", "node", "storage", "location", "status",
    "max_accounts", "cpu_cores", "memory_mb", "disk_gb",
)  # fmt: skip


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500 + TEXT_SLACK, strip=False)


class TerminateForm(ReasonForm):
    children = forms.ChoiceField(
        label=_("Its add-ons"),
        required=False,
        choices=[("", "—"), ("terminate", _("Terminate them too")), ("keep", _("Keep them on their own"))],
    )
