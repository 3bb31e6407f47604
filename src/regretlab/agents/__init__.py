"""Language-model agents and any other history -> strategy map, measured for regret.

An agent is a learner of the one contract through :func:`as_learner`, so the harness
(:func:`play`, :func:`play_game`) is :func:`regretlab.run.run` on a loss stream or a repeated
game, and ``regretlab agent run`` is the experiment ``agents_run``. Adapters (:class:`LearnerAgent`,
:class:`CallableAgent`, :class:`ChatAgent` over an OpenAI-compatible endpoint,
:class:`HFAgent` for a local causal LM), the text protocol, and (torch, ``[llm]`` extra)
regret-loss training in :mod:`regretlab.agents.regret_loss`. Park et al., ICLR 2025 (spec §2).
"""

from regretlab.agents.harness import (
    Agent,
    AgentLearner,
    AgentRunError,
    AgentState,
    AgentTrace,
    CallableAgent,
    EndpointError,
    GameTrace,
    History,
    LearnerAgent,
    LossStream,
    as_agent,
    as_learner,
    learner_feedback,
    play,
    play_game,
    repeated_game,
    sublinearity,
    transcript_rows,
)
from regretlab.agents.text import ChatAgent, HFAgent, TextAgent, TextProtocol

__all__ = [
    "Agent", "AgentLearner", "AgentRunError", "AgentState", "AgentTrace", "CallableAgent", "ChatAgent",
    "EndpointError", "GameTrace", "HFAgent", "History", "LearnerAgent", "LossStream", "TextAgent", "TextProtocol",
    "as_agent", "as_learner", "learner_feedback", "play", "play_game", "repeated_game", "sublinearity",
    "transcript_rows",
]
