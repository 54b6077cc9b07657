"""One fix to Rasa 3.6's own per-message work, applied when the Rasa server loads our REST channel.

Rasa validates every action-server response with ``jsonschema.validate``, which first checks the
response *schema* against the JSON-Schema meta-schema — on every call. Profiled on a KB answer
(py-spy, the Rasa process), that check was 57% of Rasa's time per message. The response is still
validated against the same schema, with the same error; the schema itself is checked once.
"""

from __future__ import annotations

import functools
from typing import Any, Dict, Text

from jsonschema import ValidationError, validators
from rasa.core.actions import action as rasa_action


@functools.lru_cache(maxsize=1)
def _response_validator() -> Any:
    schema = rasa_action.RemoteAction.action_response_format_spec()
    validator = validators.validator_for(schema)
    validator.check_schema(schema)  # once, not per message
    return validator(schema)


def _validate_action_result(self: rasa_action.RemoteAction, result: Dict[Text, Any]) -> bool:
    """Rasa's ``RemoteAction._validate_action_result`` with the schema checked once."""
    try:
        _response_validator().validate(result)
        return True
    except ValidationError as e:
        e.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit {rasa_action.DOCS_BASE_URL}/custom-actions"
        )
        raise e


def apply() -> None:
    rasa_action.RemoteAction._validate_action_result = _validate_action_result
