"""Rasa's check of action-server responses, with its schema checked once: same verdicts, same error."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

import bot.channels.guarded_rest  # noqa: F401  (loading the channel applies the fix, as in the Rasa server)
from bot import rasa_speedups


def test_loading_the_channel_applies_it():
    assert RemoteAction._validate_action_result is rasa_speedups._validate_action_result


def test_responses_are_still_validated_with_rasas_message():
    action = RemoteAction("action_answer_kb", None)
    good = {"events": [{"event": "slot", "name": "region", "value": "chenzhou"}], "responses": [{"text": "好的"}]}
    assert action._validate_action_result(good) is True
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": [{"event": "no_such_event"}], "responses": []})
    with pytest.raises(ValidationError):
        action._validate_action_result({"responses": "not a list"})
