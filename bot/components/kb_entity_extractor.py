"""Entities from the knowledge base's own vocabulary: service item, region, insurance type,
personnel category, applicant type and 咸安 level.

Phrase indexes come from ``data/nlu/generated/entities.json`` (generated from the KB and
``knowledge/colloquial.yml``); matching is a spaCy PhraseMatcher over the message's characters.
One entity per type (the best-scoring value), with its span in the user's text. DIET extracts no
entities in this project, so there are no duplicates to reconcile.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.fingerprint import hash_path
from knowledge.matching import Hit, PhraseIndex, best_hits
from knowledge.nlu_resources import DEFAULT_DIR, load_indexes

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class KBEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Rule-based entity extractor fed by the knowledge base."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"entities_path": str(DEFAULT_DIR / "entities.json")}

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[Text]:
        return hash_path(config.get("entities_path"))

    def __init__(self, config: Dict[Text, Any], indexes: Dict[str, PhraseIndex]) -> None:
        self._config = config
        self._indexes = indexes
        for index in indexes.values():  # build the matchers now: start-up work, not per message
            index.hits("预热")

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "KBEntityExtractor":
        path = Path(config["entities_path"])
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing: run `make nlu` (python -m knowledge nlu) first")
        indexes, _ = load_indexes(path)
        return cls(config, indexes)

    def train(self, training_data: TrainingData) -> Resource:  # pragma: no cover - not trainable
        raise NotImplementedError

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            found = [self._entity(kind, hit) for kind, hit in self.best_hits(text).items()]
            if found:
                message.set(ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name(found), add_to_output=True)
        return messages

    def best_hits(self, text: str) -> Dict[str, Hit]:
        return best_hits(self._indexes, text)

    @staticmethod
    def _entity(kind: str, hit: Hit) -> Dict[str, Any]:
        end = hit.end if hit.end > hit.start else hit.start + len(hit.phrase.split("+")[0])
        return {"entity": kind, "value": hit.value, "start": hit.start, "end": end, "confidence_entity": 1.0}
