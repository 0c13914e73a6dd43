"""Provisioning hears from orders (docs/architecture.md): paid orders' services are created on
their panels."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from praho.orders.signals import services_created


@receiver(services_created, dispatch_uid="provisioning.create_paid_services")
def _services_created(sender: Any, service_ids: list[int], actor: Any = None, **kwargs: Any) -> None:
    from praho.provisioning.services.actions import create_paid

    create_paid(service_ids, actor=actor)
