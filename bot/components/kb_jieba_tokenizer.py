"""JiebaTokenizer with the KB-generated user dictionary that (a) retrains when the dictionary changes
and (b) drops the whitespace tokens jieba emits, which would otherwise become features."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

from bot.components.fingerprint import hash_path


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class KBJiebaTokenizer(JiebaTokenizer):
    """Jieba tokenizer whose cache key includes the user dictionary's content."""

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[Text]:
        return hash_path(config.get("dictionary_path"))

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        return [t for t in super().tokenize(message, attribute) if t.text.strip()]
