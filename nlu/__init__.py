"""Multilingual NLU for the complaint gateway: language, intent, urgency and entities.

Imports nothing from the gateway. The gateway uses :class:`NluService`; results are
:class:`ParseResult` values in Rasa's ``/model/parse`` shape plus ``language`` and ``urgency``.
"""

from nlu.intents import COMPLAINT_INTENTS, DIALOGUE_INTENTS
from nlu.result import Entity, IntentScore, ParseResult, Urgency
from nlu.service import NluService

__all__ = [
    "COMPLAINT_INTENTS",
    "DIALOGUE_INTENTS",
    "Entity",
    "IntentScore",
    "NluService",
    "ParseResult",
    "Urgency",
]
