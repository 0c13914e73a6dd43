"""The database's own refusal to change an issued invoice or credit note (PostgreSQL).

The ORM guards in models/documents.py stop PRAHO's code; these triggers stop
everything else (a psql session, a raw UPDATE, another program). Installed by
migration; `install` is re-run by a later migration whenever FISCAL_FIELDS change.
"""

from __future__ import annotations

from typing import Any

LOCKED = "OLD.document_type IN ('invoice', 'credit_note') AND OLD.status <> 'draft'"


def _document_sql(columns: list[str]) -> str:
    changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in columns)
    # Column names come from the model, never from input.
    return f"""
CREATE OR REPLACE FUNCTION billing_document_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND {LOCKED} THEN
        RAISE EXCEPTION 'issued % % is never deleted', OLD.document_type, OLD.number;
    END IF;
    IF TG_OP = 'UPDATE' AND {LOCKED} AND ({changed}) THEN
        RAISE EXCEPTION 'issued % % cannot be changed', OLD.document_type, OLD.number;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS billing_document_immutable ON billing_document;
CREATE TRIGGER billing_document_immutable BEFORE UPDATE OR DELETE ON billing_document
    FOR EACH ROW EXECUTE FUNCTION billing_document_immutable();

CREATE OR REPLACE FUNCTION billing_documentline_immutable() RETURNS trigger AS $$
DECLARE parent_id bigint;
BEGIN
    parent_id := CASE WHEN TG_OP = 'DELETE' THEN OLD.document_id ELSE NEW.document_id END;
    IF EXISTS (SELECT 1 FROM billing_document d WHERE d.id = parent_id
               AND d.document_type IN ('invoice', 'credit_note') AND d.status <> 'draft')
       OR (TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM billing_document d WHERE d.id = OLD.document_id
               AND d.document_type IN ('invoice', 'credit_note') AND d.status <> 'draft')) THEN
        RAISE EXCEPTION 'lines of an issued invoice or credit note cannot be changed';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS billing_documentline_immutable ON billing_documentline;
CREATE TRIGGER billing_documentline_immutable BEFORE INSERT OR UPDATE OR DELETE ON billing_documentline
    FOR EACH ROW EXECUTE FUNCTION billing_documentline_immutable();
"""  # noqa: S608


def install(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    document = apps.get_model("billing", "Document")
    from praho.billing.models.documents import Document

    columns = [document._meta.get_field(name).column for name in Document.FISCAL_FIELDS]
    schema_editor.execute(_document_sql(columns), params=None)


def uninstall(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "DROP TRIGGER IF EXISTS billing_document_immutable ON billing_document;"
        "DROP TRIGGER IF EXISTS billing_documentline_immutable ON billing_documentline;"
        "DROP FUNCTION IF EXISTS billing_document_immutable();"
        "DROP FUNCTION IF EXISTS billing_documentline_immutable();"
    )
