"""Language-model agents and any other history -> strategy map, measured for regret.

Harness (:func:`play`, :func:`play_game`), adapters (:class:`LearnerAgent`,
:class:`CallableAgent`, :class:`ChatAgent` over an OpenAI-compatible endpoint,
:class:`HFAgent` for a local causal LM), the text protocol, and (torch, ``[llm]`` extra)
regret-loss training in :mod:`regretlab.agents.regret_loss`. Park et al., ICLR 2025 (spec §2).
"""

from regretlab.agents.harness import (
    Agent,
    AgentRunError,
    AgentTrace,
    CallableAgent,
    EndpointError,
    GameTrace,
    History,
    LearnerAgent,
    as_agent,
    play,
    play_game,
    sublinearity,
    transcript_rows,
)
from regretlab.agents.text import ChatAgent, HFAgent, TextAgent, TextProtocol

__all__ = [
    "Agent", "AgentRunError", "AgentTrace", "CallableAgent", "ChatAgent", "EndpointError", "GameTrace",
    "HFAgent", "History", "LearnerAgent", "TextAgent", "TextProtocol", "as_agent", "play", "play_game",
    "sublinearity", "transcript_rows",
]
