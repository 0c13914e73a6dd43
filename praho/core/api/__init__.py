"""REST API conventions shared by every app.

- errors: the one error shape, the exception handler (settings.REST_FRAMEWORK) and the
  404/500 handlers under /api/; RULE_CODES, the business rules whose refusal names the code.
- pagination: the lists' pagination (strict page numbers and sizes).
- input: strict fields, unknown keys refused, validated()/refused()/renamed() for views.
- access: user_of(), require_staff_permission().
- schema: ErrorResponses (an API's error answers in the schema), id_parameter().

The names are re-exported here, so views import them from praho.core.api.
"""

from praho.core.api.access import require_staff_permission, user_of
from praho.core.api.errors import (
    API_PREFIX,
    INVALID_PAGE,
    RULE_CODES,
    UNKNOWN_FIELD,
    ErrorResponseSerializer,
    ErrorSerializer,
    error_body,
    exception_handler,
    not_found,
    server_error,
)
from praho.core.api.input import (
    BoundedDateField,
    KnownFieldsOnly,
    LineField,
    StrictDecimalField,
    StrictIntegerField,
    TextField,
    refuse_unknown_fields,
    refused,
    renamed,
    unknown_fields,
    validated,
)
from praho.core.api.pagination import Pagination
from praho.core.api.schema import ErrorResponses, id_parameter

__all__ = [
    "API_PREFIX",
    "INVALID_PAGE",
    "RULE_CODES",
    "UNKNOWN_FIELD",
    "BoundedDateField",
    "ErrorResponseSerializer",
    "ErrorResponses",
    "ErrorSerializer",
    "KnownFieldsOnly",
    "LineField",
    "Pagination",
    "StrictDecimalField",
    "StrictIntegerField",
    "TextField",
    "error_body",
    "exception_handler",
    "id_parameter",
    "not_found",
    "refuse_unknown_fields",
    "refused",
    "renamed",
    "require_staff_permission",
    "server_error",
    "unknown_fields",
    "user_of",
    "validated",
]
