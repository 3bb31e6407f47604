"""Games: extensive-form games as flat arrays with the CFR family (``regretlab.games``), and
normal-form and Markov games with no-regret dynamics and equilibrium solvers
(``regretlab.games.normal_form``, ``regretlab.games.markov``)."""
