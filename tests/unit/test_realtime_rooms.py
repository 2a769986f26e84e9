"""`webchat.realtime.rooms`: names are tenant-scoped, so two tenants never share a room."""

from __future__ import annotations

import itertools

from webchat.realtime.rooms import admin_room, conversation_room, tenant_room, visitor_room

TENANTS = ["acme", "acme-2", "a1", "globex"]
IDS = ["01ARYZ6S41TSV4RRFFQ69G5FAV", "6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b", "acme"]


def test_seed_room_names() -> None:
    assert tenant_room("acme") == "tenant:acme"
    assert admin_room("acme") == "admin:acme"


def test_same_conversation_id_in_two_tenants_gives_two_rooms() -> None:
    conversation = IDS[0]
    assert conversation_room("acme", conversation) != conversation_room("globex", conversation)
    assert visitor_room("acme", conversation) != visitor_room("globex", conversation)
    assert "acme" in conversation_room("acme", conversation)


def test_no_two_rooms_collide_across_kinds_tenants_and_ids() -> None:
    names: dict[str, tuple[str, ...]] = {}
    for tenant in TENANTS:
        for made in (("tenant", tenant), ("admin", tenant)):
            name = tenant_room(tenant) if made[0] == "tenant" else admin_room(tenant)
            assert name not in names, (made, names.get(name))
            names[name] = made
        for kind, conversation in itertools.product(("conversation", "visitor"), IDS):
            room = (conversation_room if kind == "conversation" else visitor_room)(
                tenant, conversation
            )
            assert room not in names, ((kind, tenant, conversation), names.get(room))
            names[room] = (kind, tenant, conversation)
    assert len(names) == len(TENANTS) * (2 + 2 * len(IDS))


def test_admin_room_is_not_the_visitor_or_conversation_room() -> None:
    assert admin_room("acme") not in {
        conversation_room("acme", "admin"),
        visitor_room("acme", "admin"),
        tenant_room("acme"),
    }
